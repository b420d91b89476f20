package org.apache.spark.sql.execution.thermite

import scala.concurrent.ExecutionContextExecutorService

import org.apache.spark.sql.execution.exchange.BroadcastExchangeExec

/** The part of Spark's broadcast machinery a native broadcast exchange shares. */
object BroadcastRelations {
  /** The threads Spark's broadcast exchanges collect and broadcast on. */
  def executionContext: ExecutionContextExecutorService = BroadcastExchangeExec.executionContext
}

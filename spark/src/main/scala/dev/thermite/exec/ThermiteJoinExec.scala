package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.execution.BinaryExecNode

/**
 * A join run natively: one native plan over both sides, co-partitioned (each task reads the
 * same partition of the two), each side inlined when native, else read as a JVM input.
 */
trait ThermiteJoinExec extends BinaryExecNode with ThermiteExec {
  /** The join, its inputs left unset. */
  def join: proto.Join

  override def nativeOperator(inputs: NativeInputs): proto.Operator = {
    val native = join.toBuilder.setLeft(nativeChild(left, inputs)).setRight(nativeChild(right, inputs))
    proto.Operator.newBuilder().setJoin(native).build()
  }
}

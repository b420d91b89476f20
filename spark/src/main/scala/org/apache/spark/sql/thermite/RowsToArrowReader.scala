package org.apache.spark.sql.thermite

import org.apache.arrow.memory.BufferAllocator
import org.apache.arrow.vector.ipc.ArrowReader
import org.apache.arrow.vector.types.pojo.Schema

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.execution.arrow.ArrowWriter
import org.apache.spark.sql.types.StructType
import org.apache.spark.sql.util.ArrowUtils

/**
 * A Spark operator's rows as Arrow batches, for native code to pull through an Arrow C stream.
 * Each batch gets fresh buffers: native code may still hold the previous one. Timestamps are
 * labelled UTC, as the native plan types them (the values are UTC microseconds either way).
 *
 * A failure producing rows (a shuffle fetch failure, say) is kept, so the task can rethrow the
 * original exception rather than the text native code sees.
 */
class RowsToArrowReader(allocator: BufferAllocator, rows: Iterator[InternalRow], schema: StructType, batchSize: Int)
    extends ArrowReader(allocator) {

  @volatile private var failure: Throwable = _

  def failureCause: Option[Throwable] = Option(failure)

  override protected def readSchema(): Schema =
    ArrowUtils.toArrowSchema(schema, "UTC", false, false)

  override def loadNextBatch(): Boolean = {
    try {
      if (!rows.hasNext) return false
      val root = getVectorSchemaRoot
      root.clear()
      val writer = ArrowWriter.create(root)
      var n = 0
      while (n < batchSize && rows.hasNext) {
        writer.write(rows.next())
        n += 1
      }
      writer.finish()
      true
    } catch {
      case e: Throwable =>
        failure = e
        throw e
    }
  }

  override def bytesRead(): Long = 0L

  override protected def closeReadSource(): Unit = ()
}

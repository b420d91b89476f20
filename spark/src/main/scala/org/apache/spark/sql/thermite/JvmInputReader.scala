package org.apache.spark.sql.thermite

import org.apache.arrow.memory.BufferAllocator
import org.apache.arrow.vector.ipc.ArrowReader
import org.apache.arrow.vector.types.pojo.Schema

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.execution.arrow.ArrowWriter
import org.apache.spark.sql.types.StructType
import org.apache.spark.sql.util.ArrowUtils
import org.apache.spark.sql.vectorized.{ArrowColumnVector, ColumnarBatch}

/**
 * Batches a native plan pulls from the JVM through an Arrow C stream. Timestamps are labelled
 * UTC, as the native plan types them (the values are UTC microseconds either way).
 *
 * A failure producing them (a shuffle fetch failure, say) is kept, so the task can rethrow the
 * original exception rather than the text native code sees.
 */
abstract class JvmInputReader(allocator: BufferAllocator, schema: StructType) extends ArrowReader(allocator) {
  @volatile private var failure: Throwable = _

  def failureCause: Option[Throwable] = Option(failure)

  /** Fills the root with the next batch; false at the end. */
  protected def loadNext(): Boolean

  override protected def readSchema(): Schema = ArrowUtils.toArrowSchema(schema, "UTC", false, false)

  override def loadNextBatch(): Boolean =
    try loadNext()
    catch {
      case e: Throwable =>
        failure = e
        throw e
    }

  override def bytesRead(): Long = 0L

  override protected def closeReadSource(): Unit = ()
}

/**
 * A Spark operator's rows as Arrow batches. Each batch gets fresh buffers: native code may still
 * hold the previous one.
 */
class RowsToArrowReader(allocator: BufferAllocator, rows: Iterator[InternalRow], schema: StructType, batchSize: Int)
    extends JvmInputReader(allocator, schema) {

  override protected def loadNext(): Boolean = {
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
  }
}

/**
 * Batches another native plan produced (through a union, a coalesce, a gather), handed on
 * without copying: each batch's buffers move into the stream's root, and exporting them to
 * native code keeps them alive after the JVM moves on.
 */
class NativeBatchesReader(allocator: BufferAllocator, batches: Iterator[ColumnarBatch], schema: StructType)
    extends JvmInputReader(allocator, schema) {

  override protected def loadNext(): Boolean = {
    if (!batches.hasNext) return false
    val batch = batches.next()
    val root = getVectorSchemaRoot
    val targets = root.getFieldVectors
    (0 until batch.numCols()).foreach { i =>
      val source = batch.column(i) match {
        case a: ArrowColumnVector => a.getValueVector
        case other => throw new IllegalStateException(s"a native input got a ${other.getClass.getName} column")
      }
      source.makeTransferPair(targets.get(i)).transfer()
    }
    root.setRowCount(batch.numRows())
    true
  }
}

package org.apache.spark.sql.thermite

import java.io.{ByteArrayInputStream, ByteArrayOutputStream}
import java.nio.channels.Channels

import scala.collection.JavaConverters._
import scala.collection.mutable.ArrayBuffer

import org.apache.arrow.memory.BufferAllocator
import org.apache.arrow.vector.{FieldVector, VectorSchemaRoot}
import org.apache.arrow.vector.ipc.{ArrowStreamReader, ArrowStreamWriter}
import org.apache.arrow.vector.types.pojo.Schema

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection
import org.apache.spark.sql.types.StructType
import org.apache.spark.sql.vectorized.{ArrowColumnVector, ColumnVector, ColumnarBatch}

/** Native batches as Arrow IPC streams: how a broadcast build side travels. */
object ArrowIpc {
  private def vectors(batch: ColumnarBatch): Seq[FieldVector] = (0 until batch.numCols()).map { i =>
    batch.column(i) match {
      case a: ArrowColumnVector => a.getValueVector.asInstanceOf[FieldVector]
      case other => throw new IllegalStateException(s"a native batch has a ${other.getClass.getName} column")
    }
  }

  /**
   * The batches as one IPC stream, and their row count; no batches give no bytes. Each batch's
   * buffers move into the writer's root (the batches are left empty).
   */
  def encode(batches: Iterator[ColumnarBatch], allocator: BufferAllocator): (Long, Array[Byte]) = {
    if (!batches.hasNext) return (0L, Array.emptyByteArray)
    val first = batches.next()
    val root = VectorSchemaRoot.create(new Schema(vectors(first).map(_.getField).asJava), allocator)
    val out = new ByteArrayOutputStream()
    val writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))
    var rows = 0L
    try {
      writer.start()
      (Iterator(first) ++ batches).foreach { batch =>
        vectors(batch).zip(root.getFieldVectors.asScala).foreach { case (s, t) => s.makeTransferPair(t).transfer() }
        root.setRowCount(batch.numRows())
        writer.writeBatch()
        rows += batch.numRows()
        root.clear()
      }
      writer.end()
    } finally {
      writer.close()
      root.close()
    }
    (rows, out.toByteArray)
  }

  /** Every row of the streams, as unsafe rows of `schema`. */
  def rows(streams: Seq[Array[Byte]], schema: StructType, allocator: BufferAllocator): Seq[InternalRow] = {
    val out = ArrayBuffer.empty[InternalRow]
    val toUnsafe = UnsafeProjection.create(schema)
    streams.filter(_.nonEmpty).foreach { bytes =>
      val reader = new ArrowStreamReader(new ByteArrayInputStream(bytes), allocator)
      try {
        while (reader.loadNextBatch()) {
          val root = reader.getVectorSchemaRoot
          val columns: Array[ColumnVector] = root.getFieldVectors.asScala.map(v => new ArrowColumnVector(v)).toArray
          new ColumnarBatch(columns, root.getRowCount).rowIterator().asScala.foreach(r => out += toUnsafe(r).copy())
        }
      } finally reader.close()
    }
    out
  }
}

/**
 * The batches of IPC streams (a broadcast build side) as one JVM input of a native plan. Values
 * are copied into fresh buffers: a stream's buffers lie at 8-byte offsets of its messages, and
 * native code needs 16-byte aligned decimals.
 */
class IpcBatchesReader(allocator: BufferAllocator, streams: Seq[Array[Byte]], schema: StructType)
    extends JvmInputReader(allocator, schema) {
  private val pending = streams.filter(_.nonEmpty).iterator
  private var current: ArrowStreamReader = _

  override protected def loadNext(): Boolean = {
    while (current != null || pending.hasNext) {
      if (current == null) current = new ArrowStreamReader(new ByteArrayInputStream(pending.next()), allocator)
      if (current.loadNextBatch()) {
        val source = current.getVectorSchemaRoot
        val root = getVectorSchemaRoot
        root.clear()
        val rows = source.getRowCount
        source.getFieldVectors.asScala.zip(root.getFieldVectors.asScala).foreach { case (s, t) =>
          val copy = s.makeTransferPair(t)
          (0 until rows).foreach(i => copy.copyValueSafe(i, i))
          t.setValueCount(rows)
        }
        root.setRowCount(rows)
        return true
      }
      current.close()
      current = null
    }
    false
  }

  override protected def closeReadSource(): Unit = if (current != null) current.close()
}

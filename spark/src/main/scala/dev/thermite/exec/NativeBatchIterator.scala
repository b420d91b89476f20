package dev.thermite.exec

import scala.collection.JavaConverters._

import dev.thermite.ThermiteNativeException
import dev.thermite.jni.NativeLib
import dev.thermite.proto
import org.apache.arrow.c.{ArrowArray, ArrowArrayStream, ArrowSchema, Data}
import org.apache.arrow.memory.{BufferAllocator, RootAllocator}

import org.apache.spark.{SparkEnv, TaskContext}
import org.apache.spark.sql.thermite.{JvmInputReader, ScanErrors}
import org.apache.spark.sql.vectorized.{ArrowColumnVector, ColumnVector, ColumnarBatch}
import org.apache.spark.thermite.SparkInternals

/**
 * Pulls a task's batches from native code, handing it the task's JVM inputs as Arrow C streams. Each batch crosses the Arrow C Data Interface without
 * copying and stays valid until the next call to `hasNext`, when it is released (Spark consumes
 * a batch fully before asking for the next). Task completion frees the native execution, also
 * when the task fails or stops early (a LIMIT), after adding the native metrics to the nodes'.
 */
class NativeBatchIterator(
    plan: Array[Byte],
    taskInput: Array[Byte],
    context: TaskContext,
    nodeMetrics: Seq[NodeMetrics],
    jvmInputs: Seq[JvmInputReader] = Nil,
    hadoopFiles: Seq[Option[HadoopFiles]] = Nil)
    extends Iterator[ColumnarBatch] {

  private val memory = new ThermiteMemoryConsumer(context)
  private var handle: Long = start()
  private var current: ColumnarBatch = _
  private var pending: ColumnarBatch = _
  private var finished = false

  context.addTaskCompletionListener[Unit](_ => close())

  /** Exports the JVM inputs as Arrow C streams, whose ownership passes to native code. */
  private def start(): Long = {
    val allocator = NativeBatchIterator.allocator
    val streams = jvmInputs.map { reader =>
      val stream = ArrowArrayStream.allocateNew(allocator)
      Data.exportArrayStream(allocator, reader, stream)
      stream
    }
    val files: Array[AnyRef] = hadoopFiles.map(_.orNull).toArray
    try NativeLib.createExecution(plan, taskInput, streams.map(_.memoryAddress()).toArray, memory, files)
    finally streams.foreach(_.close())
  }

  override def hasNext: Boolean = {
    if (pending == null && !finished) {
      releaseCurrent()
      SparkInternals.killTaskIfInterrupted(context)
      pending =
        try fetch()
        catch {
          // A failure in Spark's part of the pipeline (a shuffle fetch failure, say) surfaces as
          // itself, so Spark can react to it as it would without Thermite; native code stops
          // early for a killed task, which ends as Spark kills tasks; a file that cannot be read
          // fails as Spark's file scan would fail on it.
          case e: ThermiteNativeException =>
            SparkInternals.killTaskIfInterrupted(context)
            throw jvmInputs.flatMap(_.failureCause).headOption.getOrElse(ScanErrors.asSpark(e))
        }
      if (pending == null) close()
    }
    pending != null
  }

  override def next(): ColumnarBatch = {
    if (!hasNext) throw new NoSuchElementException("no more native batches")
    current = pending
    pending = null
    current
  }

  private def fetch(): ColumnarBatch = {
    val allocator = NativeBatchIterator.allocator
    val array = ArrowArray.allocateNew(allocator)
    val schema = ArrowSchema.allocateNew(allocator)
    try {
      val rows = NativeLib.nextBatch(handle, array.memoryAddress(), schema.memoryAddress())
      if (rows < 0) {
        null
      } else {
        val root = Data.importVectorSchemaRoot(allocator, array, schema, null)
        val vectors: Array[ColumnVector] = root.getFieldVectors.asScala.map(v => new ArrowColumnVector(v)).toArray
        new ColumnarBatch(vectors, rows)
      }
    } finally {
      array.close()
      schema.close()
    }
  }

  private def strictContracts: Boolean =
    Option(SparkEnv.get).exists(_.conf.getBoolean(NodeMetrics.StrictContracts, false))

  /** Adds the native metrics of each node of the plan to its Spark SQL metrics. */
  private def reportMetrics(h: Long): Unit = {
    val reported = proto.PlanMetrics.parseFrom(NativeLib.metrics(h)).getOperatorsList.asScala.toSeq
    NodeMetrics.report(reported, nodeMetrics, strictContracts)
  }

  private def releaseCurrent(): Unit = {
    if (current != null) {
      current.close()
      current = null
    }
  }

  private def close(): Unit = {
    finished = true
    releaseCurrent()
    if (pending != null) {
      pending.close()
      pending = null
    }
    if (handle != 0) {
      val h = handle
      handle = 0
      try reportMetrics(h)
      finally {
        NativeLib.close(h)
        memory.close()
        hadoopFiles.flatten.foreach(_.close())
      }
    }
  }
}

object NativeBatchIterator {
  /** Imported batches reference native memory; the allocator only tracks the wrappers. */
  lazy val allocator: BufferAllocator = new RootAllocator(Long.MaxValue)
}

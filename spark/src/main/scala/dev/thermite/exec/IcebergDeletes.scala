package dev.thermite.exec

import scala.collection.JavaConverters._

import dev.thermite.Reflect.{call, loader}
import dev.thermite.proto
import dev.thermite.rules.IcebergScans

import org.apache.spark.sql.connector.read.InputPartition

/**
 * Iceberg's position deletes (delete files and deletion vectors) of one task's splits, loaded
 * where the task runs by Iceberg's own `BaseDeleteLoader` through the table's file IO (from the
 * table Iceberg broadcasts with each input partition), as Iceberg's reader loads them.
 *
 * @param sources the task's Iceberg input partitions, whose tasks are its splits in order
 */
case class IcebergDeletes(sources: Seq[InputPartition]) extends SplitDeletes {
  override def resolve(input: proto.ScanInput): proto.ScanInput = {
    val resolved = input.toBuilder
    val tasks = sources.flatMap(IcebergScans.tasks)
    if (tasks.size != resolved.getFilesCount) {
      throw new IllegalStateException(s"an Iceberg task of ${tasks.size} files has ${resolved.getFilesCount} splits")
    }
    // The task's splits all come from the one table its scan reads: one loader serves them.
    lazy val loader = deleteLoader(sources.head)
    tasks.zipWithIndex.foreach { case (task, i) =>
      val deletes = call(task, "deletes").asInstanceOf[java.util.List[AnyRef]]
      if (!deletes.isEmpty) {
        val index = call(loader, "loadPositionDeletes", deletes, call(call(task, "file"), "location"))
        resolved.getFilesBuilder(i).setRowMarks(marks(index))
      }
    }
    resolved.build()
  }

  private def deleteLoader(source: InputPartition): AnyRef = {
    val io = call(call(source, "table"), "io")
    val newInputFile = io.getClass.getMethods.find(m =>
      m.getName == "newInputFile" && m.getParameterTypes.toSeq.map(_.getName) == Seq("org.apache.iceberg.DeleteFile")).get
    val open = new java.util.function.Function[AnyRef, AnyRef] {
      override def apply(file: AnyRef): AnyRef = newInputFile.invoke(io, file)
    }
    val loaderClass = Class.forName("org.apache.iceberg.data.BaseDeleteLoader", true, loader)
    loaderClass.getConstructor(classOf[java.util.function.Function[_, _]]).newInstance(open).asInstanceOf[AnyRef]
  }

  /** The positions an Iceberg `PositionDeleteIndex` holds, ascending. */
  private def marks(index: AnyRef): proto.RowMarks = {
    val rows = Array.newBuilder[Long]
    call(index, "forEach", new java.util.function.LongConsumer {
      override def accept(row: Long): Unit = rows += row
    })
    val sorted = rows.result()
    java.util.Arrays.sort(sorted)
    val marks = proto.RowMarks.newBuilder().setKeepMarked(false)
    sorted.foreach(r => marks.addRows(r))
    marks.build()
  }
}

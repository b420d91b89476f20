package dev.thermite.exec

import scala.collection.JavaConverters._

import dev.thermite.Reflect.{call, module}
import dev.thermite.proto
import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.Path

import org.apache.spark.sql.execution.datasources.PartitionedFile
import org.apache.spark.thermite.BroadcastHadoopConf

/**
 * Delta Lake's deletion vectors for native scans: which file has one (Delta's file index says, on
 * the driver) and the rows it marks (read by Delta's own code where the task runs, as Delta's
 * format reads them). Through reflection, so Delta need not be on the plugin's class path.
 */
object DeltaDeletionVectors {
  private val Format = "org.apache.spark.sql.delta.DeltaParquetFileFormat"
  private val Descriptor = "org.apache.spark.sql.delta.actions.DeletionVectorDescriptor"
  private val Filters = "org.apache.spark.sql.delta.deletionvectors."

  /** The names under which Delta's file index gives each file's deletion vector. */
  case class Keys(encoded: String, filterType: String) {
    /** The file's deletion vector (base64 descriptor) and filter type, if it has one. */
    def of(file: PartitionedFile): Option[(String, String)] = {
      val values = file.otherConstantMetadataColumnValues
      (values.get(encoded).filter(_ != null), values.get(filterType).filter(_ != null)) match {
        case (Some(d), Some(t)) => Some((d.toString, t.toString))
        case (None, None) => None
        case _ => throw new IllegalStateException(s"${file.filePath}: a deletion vector without its filter type, or the reverse")
      }
    }
  }

  lazy val keys: Keys = {
    val format = module(Format)
    Keys(call(format, "FILE_ROW_INDEX_FILTER_ID_ENCODED").toString, call(format, "FILE_ROW_INDEX_FILTER_TYPE").toString)
  }

  /** The table whose deletion vectors `format` (Delta's) reads relative paths against. */
  def tablePath(format: AnyRef): String = call(format, "tablePath") match {
    case Some(path) => path.toString
    case _ => throw new IllegalStateException("a Delta scan with deletion vectors and no table path")
  }

  /** Loads the deletion vectors of a task's splits, of the table at `tablePath`, read with `conf`. */
  case class Loader(tablePath: String, conf: BroadcastHadoopConf) extends SplitDeletes {
    override def resolve(input: proto.ScanInput): proto.ScanInput = {
      val resolved = input.toBuilder
      resolved.getFilesBuilderList.asScala.filter(!_.getDeletionVector.isEmpty).foreach { split =>
        split.setRowMarks(marks(split.getDeletionVector, split.getDeletionVectorFilter, tablePath, conf.value))
      }
      resolved.build()
    }
  }

  /** The rows a deletion vector marks, loaded as Delta's format loads it. */
  private def marks(descriptor: String, filterType: String, tablePath: String, conf: Configuration): proto.RowMarks = {
    val builder = filterType match {
      case "IF_CONTAINED" => module(Filters + "DropMarkedRowsFilter")
      case "IF_NOT_CONTAINED" => module(Filters + "KeepMarkedRowsFilter")
      case other => throw new IllegalStateException(s"Delta row index filter type $other")
    }
    val vector = call(module(Descriptor), "deserializeFromBase64", descriptor)
    val create = builder.getClass.getMethods.find(_.getName == "createInstance")
      .getOrElse(throw new IllegalStateException(s"${builder.getClass.getName} has no createInstance"))
    val filter = create.invoke(builder, vector, conf, Some(new Path(tablePath)))
    val marks = proto.RowMarks.newBuilder()
    filter.getClass.getSimpleName match {
      // An empty vector: Delta keeps every row, or (keeping only marked rows) none.
      case "KeepAllRowsFilter$" => marks.setKeepMarked(false)
      case "DropAllRowsFilter$" => marks.setKeepMarked(true)
      case _ =>
        val marking = Class.forName(Filters + "RowIndexMarkingFilters", true, filter.getClass.getClassLoader)
        val field = marking.getDeclaredField("bitmap")
        field.setAccessible(true)
        val rows = call(field.get(filter), "toArray").asInstanceOf[Array[Long]]
        java.util.Arrays.sort(rows)
        rows.foreach(r => marks.addRows(r))
        marks.setKeepMarked(call(filter, "valueWhenContained") == java.lang.Byte.valueOf(0.toByte))
    }
    marks.build()
  }
}

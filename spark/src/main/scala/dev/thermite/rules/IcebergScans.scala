package dev.thermite.rules

import scala.collection.JavaConverters._
import scala.util.Try

import dev.thermite.Reflect.{call, loader}
import dev.thermite.exec.ThermiteBatchScanExec
import dev.thermite.proto
import dev.thermite.serde.SparkTypes

import org.apache.hadoop.fs.Path

import org.apache.spark.sql.connector.read.InputPartition
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec
import org.apache.spark.sql.internal.SQLConf

/**
 * Apache Iceberg's batch scans (`SparkBatchQueryScan`), read natively: Iceberg plans the files,
 * their splits and their deletes; native code reads the Parquet data files matching columns by
 * field id, as Iceberg's reader does. Through reflection, so Iceberg need not be on the plugin's
 * class path.
 */
object IcebergScans {
  private val BatchQueryScan = "org.apache.iceberg.spark.source.SparkBatchQueryScan"
  private val HadoopFileIO = "org.apache.iceberg.hadoop.HadoopFileIO"
  private val NameMapping = "schema.name-mapping.default"
  /** Iceberg types whose Parquet columns native code reads as Iceberg's reader does. */
  private val ReadTypes = Set("BOOLEAN", "INTEGER", "LONG", "FLOAT", "DOUBLE", "DATE", "TIMESTAMP", "STRING", "BINARY",
    "DECIMAL", "FIXED")
  private val LocalSchemes = Set(null, "file")

  def isIceberg(scan: BatchScanExec): Boolean = scan.scan.getClass.getName == BatchQueryScan

  def convert(scan: BatchScanExec): Either[String, ThermiteBatchScanExec] = {
    val table = call(scan.scan, "table")
    val schema = scan.scan.readSchema()
    for {
      _ <- Either.cond(scan.output.map(_.name) == schema.fieldNames.toSeq, (), "an Iceberg scan whose output is not its read schema")
      _ <- supportedTable(table)
      ids <- fieldIds(call(scan.scan, "expectedSchema"), schema.fieldNames)
      _ <- supportedTasks(scan.inputPartitions)
      _ <- schema.find(f => SparkTypes.isNested(f.dataType))
        .map(f => s"nested column `${f.name}` of an Iceberg table (matched by field id) is not supported").toLeft(())
      data <- SparkTypes.schema(schema)
    } yield {
      val local = LocalSchemes.contains(new Path(call(table, "location").toString).toUri.getScheme)
      val b = proto.ParquetScan.newBuilder()
        .setDataSchema(data)
        .setPartitionSchema(proto.Schema.getDefaultInstance)
        .setCaseSensitive(SQLConf.get.caseSensitiveAnalysis)
        .setHadoopFileSystem(!local)
        .setDropMarkedRows(true)
      ids.foreach(id => b.addFieldIds(id))
      ThermiteBatchScanExec(scan, b.build(), scan.runtimeFilters)
    }
  }

  private def supportedTable(table: AnyRef): Either[String, Unit] = {
    val io = call(table, "io").getClass.getName
    val encryption = call(table, "encryption").getClass.getSimpleName
    val properties = call(table, "properties").asInstanceOf[java.util.Map[String, String]]
    if (io != HadoopFileIO) Left(s"Iceberg's file IO $io is not supported")
    else if (encryption != "PlaintextEncryptionManager") Left("an encrypted Iceberg table is not supported")
    else if (properties.containsKey(NameMapping)) Left(s"an Iceberg table with a name mapping ($NameMapping) is not supported")
    else Right(())
  }

  /** The Parquet field id of each read column, from Iceberg's projected schema. */
  private def fieldIds(expected: AnyRef, names: Seq[String]): Either[String, Seq[Int]] = {
    val columns = call(expected, "columns").asInstanceOf[java.util.List[AnyRef]].asScala
    val metadataColumn = Class.forName("org.apache.iceberg.MetadataColumns", true, loader)
      .getMethod("isMetadataColumn", classOf[Int])
    val ids = names.map { name =>
      columns.find(c => call(c, "name") == name) match {
        case None => Left(s"Iceberg column $name is not in the scan's schema")
        case Some(column) =>
          val id = call(column, "fieldId").asInstanceOf[Int]
          val kind = call(call(column, "type"), "typeId").toString
          if (metadataColumn.invoke(null, Int.box(id)) == java.lang.Boolean.TRUE) Left(s"Iceberg's metadata column $name is not supported")
          else if (!ReadTypes(kind)) Left(s"Iceberg column $name of type ${kind.toLowerCase} is not supported")
          else if (Try(call(column, "initialDefault")).toOption.flatMap(Option(_)).isDefined) {
            Left(s"Iceberg column $name has a default value, which is not supported")
          } else Right(id)
      }
    }
    ids.collectFirst { case Left(reason) => reason }.toLeft(ids.collect { case Right(id) => id })
  }

  /** Every task reads a Parquet data file, with position deletes only. */
  private def supportedTasks(partitions: Seq[InputPartition]): Either[String, Unit] = {
    val fileScanTask = Class.forName("org.apache.iceberg.FileScanTask", true, loader)
    val problems = partitions.iterator.flatMap(tasks).flatMap { task =>
      if (!fileScanTask.isInstance(task)) Some(s"Iceberg scan task ${task.getClass.getName} is not supported")
      else {
        val format = call(call(task, "file"), "format").toString
        val deletes = call(task, "deletes").asInstanceOf[java.util.List[AnyRef]].asScala.map(d => call(d, "content").toString)
        if (format != "PARQUET") Some(s"Iceberg data files in $format are not supported")
        else deletes.find(_ != "POSITION_DELETES").map(kind => s"Iceberg's ${kind.toLowerCase.replace('_', ' ')} are not supported")
      }
    }
    if (problems.hasNext) Left(problems.next()) else Right(())
  }

  /** The scan tasks of one of Iceberg's input partitions. */
  def tasks(partition: InputPartition): Seq[AnyRef] =
    call(call(partition, "taskGroup"), "tasks").asInstanceOf[java.util.Collection[AnyRef]].asScala.toSeq

  /** One Iceberg file scan task as a native split. */
  def split(task: AnyRef): proto.FileSplit = {
    val file = call(task, "file")
    val path = new Path(call(file, "location").toString)
    proto.FileSplit.newBuilder()
      .setPath(path.toUri.getPath)
      .setUri(path.toUri.toString)
      .setStart(call(task, "start").asInstanceOf[Long])
      .setLength(call(task, "length").asInstanceOf[Long])
      .setFileSize(call(file, "fileSizeInBytes").asInstanceOf[Long])
      .build()
  }

  /** Whether the task has deletes. */
  def hasDeletes(task: AnyRef): Boolean = !call(task, "deletes").asInstanceOf[java.util.List[_]].isEmpty
}

object BatchScanConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, dev.thermite.exec.ThermiteExec] = node match {
    case scan: BatchScanExec if IcebergScans.isIceberg(scan) => IcebergScans.convert(scan)
    case scan: BatchScanExec => Left(s"data source scan ${scan.scan.getClass.getName} is not supported")
  }
}

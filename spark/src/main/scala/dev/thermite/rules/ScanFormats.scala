package dev.thermite.rules

import scala.util.Try

import org.apache.spark.sql.execution.datasources.HadoopFsRelation
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat
import org.apache.spark.sql.internal.SQLConf
import org.apache.spark.sql.types.{ArrayType, DataType, MapType, StructType}

/**
 * The file formats a native scan reads, and the names their columns have in the files. Only
 * Spark's own `ParquetFileFormat` and Delta Lake's: a subclass of Spark's format (Delta's, Hudi's)
 * may change what a file's columns mean, so each is accepted only once its changes are known.
 * Delta's is read through reflection, so Delta need not be on the plugin's class path.
 */
object ScanFormats {
  private val DeltaFormat = "org.apache.spark.sql.delta.DeltaParquetFileFormat"
  private val PhysicalName = "delta.columnMapping.physicalName"
  private val TypeChanges = "delta.typeChanges"

  def isDelta(relation: HadoopFsRelation): Boolean = relation.fileFormat.getClass.getName == DeltaFormat

  /** `readSchema` with each column named as the files name it, or why the scan stays in Spark. */
  def fileSchema(relation: HadoopFsRelation, readSchema: StructType): Either[String, StructType] = {
    val format = relation.fileFormat
    if (format.getClass == classOf[ParquetFileFormat]) Right(readSchema)
    else if (format.getClass.getName == DeltaFormat) deltaFileSchema(format, readSchema)
    else Left(s"file format ${format.getClass.getName} is not supported")
  }

  /**
   * Delta's column mapping (name and id modes) stores each column under a physical name of its
   * own, which the table's schema keeps in each field's metadata; without mapping the names are
   * the table's. A widened type (type widening) or a change-data read stays in Spark.
   */
  private def deltaFileSchema(format: AnyRef, readSchema: StructType): Either[String, StructType] = {
    def call(target: AnyRef, method: String): Option[AnyRef] =
      Try(target.getClass.getMethod(method).invoke(target)).toOption
    val tableSchema = call(format, "metadata").flatMap(m => call(m, "schema")).collect { case s: StructType => s }
    val cdc = call(format, "isCDCRead").contains(java.lang.Boolean.TRUE)
    tableSchema match {
      case None => Left("a Delta scan whose table schema cannot be read")
      case Some(_) if cdc => Left("a Delta change data feed read is not supported")
      case Some(table) if table.exists(f => f.metadata.contains(TypeChanges)) =>
        Left("a Delta table with widened column types is not supported")
      case Some(table) if table.exists(f => nestedMapping(f.dataType)) =>
        Left("Delta column mapping inside nested columns is not supported")
      case Some(table) =>
        val resolver = SQLConf.get.resolver
        Right(StructType(readSchema.map { field =>
          table.find(t => resolver(t.name, field.name)).filter(_.metadata.contains(PhysicalName)) match {
            case Some(t) => field.copy(name = t.metadata.getString(PhysicalName))
            case None => field
          }
        }))
    }
  }

  private def nestedMapping(t: DataType): Boolean = t match {
    case s: StructType => s.exists(f => f.metadata.contains(PhysicalName) || nestedMapping(f.dataType))
    case a: ArrayType => nestedMapping(a.elementType)
    case m: MapType => nestedMapping(m.keyType) || nestedMapping(m.valueType)
    case _ => false
  }
}

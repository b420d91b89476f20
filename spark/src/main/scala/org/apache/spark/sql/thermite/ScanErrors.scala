package org.apache.spark.sql.thermite

import java.io.FileNotFoundException
import java.net.URI

import dev.thermite.ThermiteNativeException
import org.apache.hadoop.fs.Path

import org.apache.spark.sql.errors.QueryExecutionErrors
import org.apache.spark.sql.execution.datasources.{DataSourceUtils, SchemaColumnConvertNotSupportedException}

/** A native scan failure as the exception Spark's own Parquet file scan raises for it. */
object ScanErrors {
  /** The native message of a COLUMN_TYPE_MISMATCH: `SchemaColumnConvertNotSupportedException`'s. */
  private val ColumnTypeMismatch = "column: (.*), physicalType: (.*), logicalType: (.*)".r
  /** The native message of a DUPLICATE_FIELD: the read column, and the file columns it matched. */
  private val DuplicateField = "field: (.*), matched: (.*)".r

  def asSpark(e: ThermiteNativeException): Throwable = e.kind match {
    case "ANCIENT_DATETIME" => DataSourceUtils.newRebaseExceptionInRead("Parquet")
    case "ANCIENT_INT96" => DataSourceUtils.newRebaseExceptionInRead("Parquet INT96")
    case "COLUMN_TYPE_MISMATCH" =>
      val ColumnTypeMismatch(column, physical, logical) = e.nativeCause
      val cause = new SchemaColumnConvertNotSupportedException(column, physical, logical)
      cause.addSuppressed(e)
      QueryExecutionErrors.unsupportedSchemaColumnConvertError(e.file, column, logical, physical, cause)
    case "DUPLICATE_FIELD" =>
      val DuplicateField(field, matched) = e.nativeCause
      QueryExecutionErrors.foundDuplicateFieldInCaseInsensitiveModeError(field, matched)
    case kind =>
      val cause = if (kind == "FILE_NOT_FOUND") {
        // As Hadoop's local file system says it, naming the file by its path.
        QueryExecutionErrors.readCurrentFileNotFoundError(
          new FileNotFoundException(s"File ${new Path(new URI(e.file))} does not exist"))
      } else {
        e
      }
      if (e.readFailure) QueryExecutionErrors.cannotReadFilesError(cause, e.file) else cause
  }
}

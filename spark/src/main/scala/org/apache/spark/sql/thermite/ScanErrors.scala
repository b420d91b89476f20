package org.apache.spark.sql.thermite

import java.io.FileNotFoundException
import java.net.URI

import dev.thermite.ThermiteNativeException
import org.apache.hadoop.fs.Path

import org.apache.spark.sql.errors.QueryExecutionErrors
import org.apache.spark.sql.execution.datasources.DataSourceUtils

/** A native scan failure as the exception Spark's own Parquet file scan raises for it. */
object ScanErrors {
  def asSpark(e: ThermiteNativeException): Throwable = e.kind match {
    case "ANCIENT_DATETIME" => DataSourceUtils.newRebaseExceptionInRead("Parquet")
    case "ANCIENT_INT96" => DataSourceUtils.newRebaseExceptionInRead("Parquet INT96")
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

package dev.thermite.rules

import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat
import org.apache.spark.sql.types.{ByteType, LongType, StructType}

/**
 * Columns of a scan's read schema that no file holds, computed from each row's position in its
 * file: Spark's `_metadata.row_index` (read as a temporary column) and Delta's deletion-vector
 * flag. Their positions in the read schema, or why the scan stays in Spark.
 */
case class ScanPositions(rowIndex: Option[Int], rowDeleted: Option[Int], unsupported: Option[String])

object ScanPositions {
  private val DeltaRowDeleted = "__delta_internal_is_row_deleted"
  /** Delta's own row index column, which Delta reads only where Spark's is not used. */
  private val DeltaRowIndex = "__delta_internal_row_index"

  /** `delta`: whether Delta's format reads the files (only it computes Delta's columns). */
  def apply(readSchema: StructType, delta: Boolean): ScanPositions = {
    def find(name: String) = Some(readSchema.fieldNames.indexOf(name)).filter(_ >= 0)
    val rowIndex = find(ParquetFileFormat.ROW_INDEX_TEMPORARY_COLUMN_NAME)
    val rowDeleted = find(DeltaRowDeleted).filter(_ => delta)
    val unsupported =
      if (delta && find(DeltaRowIndex).isDefined) Some(s"Delta's $DeltaRowIndex column is not supported")
      else if (rowIndex.exists(i => readSchema(i).dataType != LongType)) Some("a row index that is not a bigint")
      else if (rowDeleted.exists(i => readSchema(i).dataType != ByteType)) Some("a deletion flag that is not a tinyint")
      else None
    ScanPositions(rowIndex, rowDeleted, unsupported)
  }
}

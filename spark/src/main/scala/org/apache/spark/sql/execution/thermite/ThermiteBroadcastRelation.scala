package org.apache.spark.sql.execution.thermite

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.execution.joins.{HashedRelation, HashedRelationBroadcastMode, ValueRowWithKeyIndex}
import org.apache.spark.sql.thermite.ArrowIpc
import org.apache.spark.sql.types.StructType

/**
 * What a native broadcast exchange broadcasts: the build side's rows as Arrow IPC streams (one per
 * partition of its input), which native joins read as they are. It is also Spark's
 * `HashedRelation`, built from those rows on first use with the exchange's broadcast mode, so a
 * join or a dynamic pruning subquery left in Spark reads the same broadcast: with adaptive
 * execution the exchange is converted before the join above it, whatever becomes of that join.
 */
class ThermiteBroadcastRelation private (
    val streams: Array[Array[Byte]],
    val numRows: Long,
    schema: StructType,
    mode: HashedRelationBroadcastMode,
    @transient private var hashed: HashedRelation)
    extends HashedRelation with Serializable {

  def this(streams: Array[Array[Byte]], numRows: Long, schema: StructType, mode: HashedRelationBroadcastMode) =
    this(streams, numRows, schema, mode, null)

  private def relation: HashedRelation = synchronized {
    if (hashed == null) {
      val rows = ArrowIpc.rows(streams, schema, ThermiteBroadcastRelation.allocator)
      hashed = mode.transform(rows.iterator, Some(rows.size.toLong))
    }
    hashed
  }

  override def get(key: InternalRow): Iterator[InternalRow] = relation.get(key)
  override def get(key: Long): Iterator[InternalRow] = relation.get(key)
  override def getValue(key: InternalRow): InternalRow = relation.getValue(key)
  override def getValue(key: Long): InternalRow = relation.getValue(key)
  override def getWithKeyIndex(key: InternalRow): Iterator[ValueRowWithKeyIndex] = relation.getWithKeyIndex(key)
  override def getValueWithKeyIndex(key: InternalRow): ValueRowWithKeyIndex = relation.getValueWithKeyIndex(key)
  override def valuesWithKeyIndex(): Iterator[ValueRowWithKeyIndex] = relation.valuesWithKeyIndex()
  override def maxNumKeysIndex: Int = relation.maxNumKeysIndex
  override def keyIsUnique: Boolean = relation.keyIsUnique
  override def keys(): Iterator[InternalRow] = relation.keys()

  // Spark's generated join code declares the copy with the broadcast value's class.
  override def asReadOnlyCopy(): ThermiteBroadcastRelation =
    new ThermiteBroadcastRelation(streams, numRows, schema, mode, relation.asReadOnlyCopy())

  override def close(): Unit = synchronized {
    if (hashed != null) hashed.close()
  }

  override def estimatedSize: Long = streams.map(_.length.toLong).sum
}

object ThermiteBroadcastRelation {
  private lazy val allocator = new org.apache.arrow.memory.RootAllocator(Long.MaxValue)
}

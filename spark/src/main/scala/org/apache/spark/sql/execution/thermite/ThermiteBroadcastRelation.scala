package org.apache.spark.sql.execution.thermite

import dev.thermite.exec.NativeBatchIterator

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Cast, GenericInternalRow}
import org.apache.spark.sql.execution.joins.{HashedRelation, HashedRelationBroadcastMode}
import org.apache.spark.sql.thermite.ArrowIpc
import org.apache.spark.sql.types.{ByteType, IntegerType, LongType, ShortType, StructType}

/**
 * What a native broadcast exchange broadcasts: the build side's rows as Arrow IPC streams (one per
 * partition of its input; empty for an empty partition), which native joins read as they are.
 * It is also Spark's `HashedRelation`, built from those rows on first use with the exchange's
 * broadcast mode, so a join or a dynamic pruning subquery left in Spark reads the same broadcast:
 * with adaptive execution the exchange is converted before the join above it, whatever becomes
 * of that join.
 */
class ThermiteBroadcastRelation private (
    val streams: Array[Array[Byte]],
    val numRows: Long,
    schema: StructType,
    mode: HashedRelationBroadcastMode,
    @transient private var built: HashedRelation)
    extends DelegatingHashedRelation {

  def this(streams: Array[Array[Byte]], numRows: Long, schema: StructType, mode: HashedRelationBroadcastMode) =
    this(streams, numRows, schema, mode, null)

  override protected def hashed(): HashedRelation = synchronized {
    if (built == null) {
      val rows = ArrowIpc.rows(streams, schema, NativeBatchIterator.allocator)
      built = mode.transform(rows.iterator, Some(rows.size.toLong))
    }
    built
  }

  /**
   * Spark's pruning subqueries read keys in the join keys' own types, unless the relation is of
   * Spark's long-keyed class, which this one is not: a key Spark widened to a long for that class
   * is narrowed back. (A join key the user cast to a long reads as its narrower type too: a
   * pruning subquery on it fails rather than prunes wrongly.)
   */
  override def keys(): Iterator[InternalRow] = {
    val narrow: Option[Long => Any] = mode.key match {
      case Seq(c: Cast) if c.dataType == LongType => c.child.dataType match {
        case IntegerType => Some(_.toInt)
        case ShortType => Some(_.toShort)
        case ByteType => Some(_.toByte)
        case _ => None
      }
      case _ => None
    }
    narrow match {
      case Some(f) => hashed().keys().map(key => new GenericInternalRow(Array[Any](f(key.getLong(0)))))
      case None => hashed().keys()
    }
  }

  // Spark's generated join code declares the copy with the broadcast value's own class.
  override def asReadOnlyCopy(): ThermiteBroadcastRelation =
    new ThermiteBroadcastRelation(streams, numRows, schema, mode, hashed().asReadOnlyCopy())

  override def close(): Unit = synchronized {
    if (built != null) built.close()
  }

  override def estimatedSize: Long = streams.map(_.length.toLong).sum
}

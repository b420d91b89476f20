package org.apache.spark.sql.execution.thermite

import dev.thermite.exec.NativeBatchIterator

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{BitwiseAnd, BitwiseOr, Cast, Expression, Literal, ShiftLeft, UnsafeProjection}
import org.apache.spark.sql.execution.joins.{HashedRelation, HashedRelationBroadcastMode, HashJoin}
import org.apache.spark.sql.thermite.ArrowIpc
import org.apache.spark.sql.types.{ByteType, DataType, IntegerType, LongType, ShortType, StructType}

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
   * Spark's long-keyed class, which this one is not: keys Spark widened to a long, or packed
   * several into one, for that class are unpacked here as Spark unpacks them from its own.
   * (A join key the user cast to a long reads as its narrower type too: a pruning subquery on it
   * fails rather than prunes wrongly.)
   */
  override def keys(): Iterator[InternalRow] = ThermiteBroadcastRelation.packedKeys(mode.key) match {
    case Some(keys) =>
      val unpack = UnsafeProjection.create(keys.indices.map(HashJoin.extractKeyExprAt(keys, _)))
      hashed().keys().map(unpack)
    case None => hashed().keys()
  }

  // Spark's generated join code declares the copy with the broadcast value's own class.
  override def asReadOnlyCopy(): ThermiteBroadcastRelation =
    new ThermiteBroadcastRelation(streams, numRows, schema, mode, hashed().asReadOnlyCopy())

  override def close(): Unit = synchronized {
    if (built != null) built.close()
  }

  override def estimatedSize: Long = streams.map(_.length.toLong).sum
}

object ThermiteBroadcastRelation {
  private val integral: Set[DataType] = Set(ByteType, ShortType, IntegerType, LongType)

  /**
   * The join keys that Spark's `HashJoin.rewriteKeyExpr` packed into `key` (integral keys, the
   * first cast to a long, each next one shifted in), or None when `key` is not such a packing.
   */
  private[thermite] def packedKeys(key: Seq[Expression]): Option[Seq[Expression]] = {
    def unpack(e: Expression): Option[Seq[Expression]] = e match {
      case BitwiseOr(ShiftLeft(rest, Literal(bits: Int, IntegerType)), BitwiseAnd(Cast(k, LongType, _, _), Literal(_, LongType)))
          if integral(k.dataType) && bits == k.dataType.defaultSize * 8 =>
        unpack(rest).map(_ :+ k)
      case Cast(k, LongType, _, _) if integral(k.dataType) && k.dataType != LongType => Some(Seq(k))
      case _ => None
    }
    key match {
      case Seq(e) => unpack(e)
      case _ => None
    }
  }
}

package org.apache.spark.sql.execution.thermite;

import java.io.Serializable;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.joins.HashedRelation;
import org.apache.spark.sql.execution.joins.ValueRowWithKeyIndex;
import scala.collection.Iterator;

/**
 * Spark's {@code HashedRelation}, each lookup answered by the relation {@link #hashed()} returns.
 * Java, compiled before the Scala sources: Scala forbids implementing the sealed
 * {@code HashedRelation} outside Spark, but not extending a class that does.
 */
public abstract class DelegatingHashedRelation implements HashedRelation, Serializable {
  protected abstract HashedRelation hashed();

  @Override
  public Iterator<InternalRow> get(InternalRow key) {
    return hashed().get(key);
  }

  @Override
  public Iterator<InternalRow> get(long key) {
    return hashed().get(key);
  }

  @Override
  public InternalRow getValue(InternalRow key) {
    return hashed().getValue(key);
  }

  @Override
  public InternalRow getValue(long key) {
    return hashed().getValue(key);
  }

  @Override
  public Iterator<ValueRowWithKeyIndex> getWithKeyIndex(InternalRow key) {
    return hashed().getWithKeyIndex(key);
  }

  @Override
  public ValueRowWithKeyIndex getValueWithKeyIndex(InternalRow key) {
    return hashed().getValueWithKeyIndex(key);
  }

  @Override
  public Iterator<ValueRowWithKeyIndex> valuesWithKeyIndex() {
    return hashed().valuesWithKeyIndex();
  }

  @Override
  public int maxNumKeysIndex() {
    return hashed().maxNumKeysIndex();
  }

  @Override
  public boolean keyIsUnique() {
    return hashed().keyIsUnique();
  }

  @Override
  public Iterator<InternalRow> keys() {
    return hashed().keys();
  }
}

package dev.thermite.rules

import dev.thermite.exec.DetachedChild.detach
import dev.thermite.exec._
import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions.{Ascending, Attribute, Expression, NullsFirst, SortOrder}
import org.apache.spark.sql.execution._
import org.apache.spark.sql.execution.aggregate.{HashAggregateExec, SortAggregateExec}
import org.apache.spark.sql.catalyst.util.RebaseDateTime
import org.apache.spark.sql.execution.datasources.parquet.{ParquetOptions, ParquetUtils}
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec
import org.apache.spark.sql.execution.exchange.{BroadcastExchangeExec, ShuffleExchangeExec}
import org.apache.spark.sql.execution.joins.{BroadcastHashJoinExec, BroadcastNestedLoopJoinExec, ShuffledHashJoinExec, SortMergeJoinExec}
import org.apache.spark.sql.execution.window.{WindowExec, WindowGroupLimitExec}
import org.apache.spark.sql.internal.SQLConf
import org.apache.spark.sql.types.{DoubleType, FloatType, StructField, TimestampType}

/** Converts one Spark operator to its Thermite node; `Left` says why it stays in Spark. */
trait OperatorConverter {
  def convert(node: SparkPlan): Either[String, ThermiteExec]
}

/** The one table of native operators. */
object OperatorSerde {
  private val converters: Map[Class[_ <: SparkPlan], OperatorConverter] = Map(
    classOf[FileSourceScanExec] -> ParquetScanConverter,
    classOf[BatchScanExec] -> BatchScanConverter,
    classOf[FilterExec] -> FilterConverter,
    classOf[ProjectExec] -> ProjectConverter,
    classOf[SortExec] -> SortConverter,
    classOf[LocalLimitExec] -> LimitConverter,
    classOf[GlobalLimitExec] -> LimitConverter,
    classOf[HashAggregateExec] -> AggregateConverter,
    classOf[SortAggregateExec] -> AggregateConverter,
    classOf[ExpandExec] -> ExpandConverter,
    classOf[GenerateExec] -> GenerateConverter,
    classOf[WindowExec] -> WindowConverter,
    classOf[WindowGroupLimitExec] -> WindowGroupLimitConverter,
    classOf[TakeOrderedAndProjectExec] -> TakeOrderedConverter,
    classOf[UnionExec] -> UnionConverter,
    classOf[CoalesceExec] -> CoalesceConverter,
    classOf[LocalTableScanExec] -> LocalTableScanConverter,
    classOf[CollectLimitExec] -> CollectLimitConverter,
    classOf[ShuffleExchangeExec] -> ShuffleExchangeConverter,
    classOf[ShuffledHashJoinExec] -> JoinConverter,
    classOf[SortMergeJoinExec] -> JoinConverter,
    classOf[BroadcastHashJoinExec] -> JoinConverter,
    classOf[BroadcastNestedLoopJoinExec] -> JoinConverter,
    classOf[BroadcastExchangeExec] -> BroadcastExchangeConverter)

  def convert(node: SparkPlan): Either[String, ThermiteExec] = converters.get(node.getClass) match {
    case Some(converter) => subqueriesRunBefore(node).flatMap(_ => converter.convert(node))
    case None => Left(s"operator ${node.nodeName} is not supported")
  }

  /**
   * Spark runs the scalar subqueries of a node's own expressions before the node runs, and a native
   * plan needs their values. Only these Thermite nodes keep them among their own expressions.
   */
  private val holdsScalarSubqueries: Set[Class[_ <: SparkPlan]] =
    Set(classOf[FilterExec], classOf[ProjectExec], classOf[FileSourceScanExec])

  private def subqueriesRunBefore(node: SparkPlan): Either[String, Unit] =
    if (holdsScalarSubqueries(node.getClass) || scalarSubqueries(node.expressions).isEmpty) Right(())
    else Left(s"a scalar subquery in ${node.nodeName} is not supported natively")

  /**
   * The node's children must already be native. Light operators (filter, project, limit) only
   * extend native subtrees: above a Spark operator, converting its rows to Arrow and the result
   * back would cost more than the operator saves.
   */
  def nativeChildren(node: SparkPlan): Either[String, Unit] =
    node.children.find(!ThermiteExec.isNative(_)) match {
      case Some(child) => Left(s"its input ${child.nodeName} is not native")
      case None => Right(())
    }

  /**
   * Heavy operators (sort, aggregate) may also read a Spark operator's rows, converted to Arrow per task;
   * a columnar Spark input would need a conversion Thermite does not have yet.
   */
  def nativeOrRowChildren(node: SparkPlan): Either[String, Unit] = nativeOrRowInputs(node.children)

  def nativeOrRowInputs(inputs: Seq[SparkPlan]): Either[String, Unit] =
    inputs.find(c => !ThermiteExec.isNative(c) && c.supportsColumnar) match {
      case Some(child) => Left(s"its input ${child.nodeName} produces Spark columnar batches")
      case None =>
        inputs.flatMap(_.output).find(a => !SparkTypes.isSupported(a.dataType)) match {
          case Some(a) => Left(s"input column `${a.name}` has type ${a.dataType.catalogString}, not supported")
          case None => Right(())
        }
    }

  def scalarSubqueries(exprs: Seq[Expression]): Seq[ScalarSubquery] =
    exprs.flatMap(_.collect { case s: ScalarSubquery => s })

  def exprContext(node: SparkPlan): ExprContext = ExprContext(node.children.flatMap(_.output))
}

object FilterConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val filter = node.asInstanceOf[FilterExec]
    for {
      _ <- OperatorSerde.nativeChildren(filter)
      condition <- ExprSerde.convert(filter.condition, OperatorSerde.exprContext(filter))
    } yield ThermiteFilterExec(detach(filter), condition, OperatorSerde.scalarSubqueries(Seq(filter.condition)), filter.child)
  }
}

object ProjectConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val project = node.asInstanceOf[ProjectExec]
    for {
      _ <- OperatorSerde.nativeChildren(project)
      exprs <- ExprSerde.convertAll(project.projectList, OperatorSerde.exprContext(project))
    } yield ThermiteProjectExec(detach(project), exprs, OperatorSerde.scalarSubqueries(project.projectList), project.child)
  }
}

object SortConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val sort = node.asInstanceOf[SortExec]
    for {
      _ <- OperatorSerde.nativeOrRowChildren(sort)
      keys <- sortKeys(sort.sortOrder, OperatorSerde.exprContext(sort))
    } yield ThermiteSortExec(detach(sort), keys, sort.child)
  }

  def sortKeys(orders: Seq[SortOrder], ctx: ExprContext): Either[String, Seq[proto.SortKey]] =
    ExprSerde.convertKeys(orders.map(_.child), ctx).map { keys =>
      orders.zip(keys).map { case (order, key) =>
        proto.SortKey.newBuilder().setExpr(key)
          .setAscending(order.direction == Ascending)
          .setNullsFirst(order.nullOrdering == NullsFirst)
          .build()
      }
    }
}

/** ORDER BY ... LIMIT over a native input. */
object TakeOrderedConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val take = node.asInstanceOf[TakeOrderedAndProjectExec]
    val ctx = OperatorSerde.exprContext(take)
    for {
      _ <- OperatorSerde.nativeChildren(take)
      keys <- SortConverter.sortKeys(take.sortOrder, ctx)
      projection <- ExprSerde.convertAll(take.projectList, ctx)
    } yield ThermiteTakeOrderedAndProjectExec(detach(take), keys, projection, take.child)
  }
}

/**
 * Deliberately Spark's: collecting through it scans a few partitions first and more only when
 * needed (`show()` on a large table reads one split), which a gather into one partition cannot
 * do; its input still runs natively and only the surviving rows cross to the JVM.
 */
object CollectLimitConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] =
    Left("CollectLimit stays in Spark, whose incremental take reads only the partitions it needs")
}

object UnionConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val union = node.asInstanceOf[UnionExec]
    OperatorSerde.nativeChildren(union).map(_ => ThermiteUnionExec(detach(union), union.children))
  }
}

object CoalesceConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val coalesce = node.asInstanceOf[CoalesceExec]
    OperatorSerde.nativeChildren(coalesce).map(_ => ThermiteCoalesceExec(coalesce.numPartitions, coalesce.child))
  }
}

object LocalTableScanConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val scan = node.asInstanceOf[LocalTableScanExec]
    SparkTypes.schema(scan.schema.fields).map(_ => ThermiteLocalTableScanExec(scan))
  }
}

object ExpandConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val expand = node.asInstanceOf[ExpandExec]
    val ctx = OperatorSerde.exprContext(expand)
    val converted = expand.projections.foldLeft[Either[String, Seq[Seq[proto.Expr]]]](Right(Nil)) { (done, p) =>
      done.flatMap(ps => ExprSerde.convertAll(p, ctx).map(ps :+ _))
    }
    for {
      _ <- OperatorSerde.nativeChildren(expand)
      schema <- SparkTypes.schema(expand.output.map(a => StructField(a.name, a.dataType, a.nullable)))
      projections <- converted
    } yield {
      val b = proto.Expand.newBuilder().setSchema(schema)
      projections.foreach(p => b.addProjections(ThermiteExpandExec.projection(p)))
      ThermiteExpandExec(detach(expand), b.build(), expand.child)
    }
  }
}

object LimitConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val (limit, offset, child) = node match {
      case l: LocalLimitExec => (l.limit, 0, l.child)
      case g: GlobalLimitExec => (g.limit, g.offset, g.child)
    }
    OperatorSerde.nativeChildren(node).map(_ => ThermiteLimitExec(detach(node), limit, offset, child))
  }
}

object ParquetScanConverter extends OperatorConverter {
  private val LocalSchemes = Set(null, "file")

  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val scan = node.asInstanceOf[FileSourceScanExec]
    val relation = scan.relation
    val dataColumns = scan.output.take(scan.requiredSchema.length)
    // Local files are read directly; any other scheme through the task's Hadoop file system.
    val local = relation.location.rootPaths.forall(p => LocalSchemes.contains(p.toUri.getScheme))
    val metadata = scan.fileConstantMetadataColumns
    val positions = ScanPositions(scan.requiredSchema, ScanFormats.isDelta(relation))
    if (scan.output.length != scan.requiredSchema.length + relation.partitionSchema.length + metadata.length ||
        scan.output.takeRight(metadata.length).map(_.exprId) != metadata.map(_.exprId)) {
      Left("metadata columns other than the files' own are not supported")
    } else if (SQLConf.get.isParquetINT96TimestampConversion && scan.requiredSchema.exists(_.dataType == TimestampType)) {
      Left(s"${SQLConf.PARQUET_INT96_TIMESTAMP_CONVERSION.key} is not supported")
    } else if (SQLConf.get.parquetFieldIdReadEnabled && ParquetUtils.hasFieldIds(scan.requiredSchema)) {
      Left(s"matching columns by Parquet field id (${SQLConf.PARQUET_FIELD_ID_READ_ENABLED.key}) is not supported")
    } else {
      for {
        _ <- positions.unsupported.toLeft(())
        // The columns as the files name them; the scan's output keeps Spark's names.
        fileSchema <- ScanFormats.fileSchema(relation, scan.requiredSchema)
        data <- SparkTypes.schema(fileSchema)
        // Per file constants: partition values, then Spark's file metadata (`_metadata.file_path`...).
        constants <- SparkTypes.schema(relation.partitionSchema ++ metadata.map(a => StructField(a.name, a.dataType, a.nullable)))
      } yield {
        // As Spark's reader takes them: the read's options first, then the session's.
        val options = new ParquetOptions(relation.options, SQLConf.get)
        val b = proto.ParquetScan.newBuilder()
          .setDataSchema(data)
          .setPartitionSchema(constants)
          .setCaseSensitive(SQLConf.get.caseSensitiveAnalysis)
          .setDatetimeRebaseMode(options.datetimeRebaseModeInRead)
          .setInt96RebaseMode(options.int96RebaseModeInRead)
          .setLastSwitchJulianDay(RebaseDateTime.lastSwitchJulianDay)
          .setLastSwitchJulianMicros(RebaseDateTime.lastSwitchJulianTs)
          .setIgnoreCorruptFiles(options.ignoreCorruptFiles)
          .setIgnoreMissingFiles(options.ignoreMissingFiles)
          .setHadoopFileSystem(!local)
        positions.rowIndex.foreach(b.setRowIndexColumn)
        positions.rowDeleted.foreach(b.setRowDeletedColumn)
        pruningFilters(scan.dataFilters, dataColumns).foreach(b.addPruningFilters)
        ThermiteScanExec(scan, b.build(), scan.partitionFilters)
      }
    }
  }

  /**
   * Spark's pushed filters that can prune row groups. Filters on floating point columns are
   * left out: Parquet statistics do not order NaN as Spark does.
   */
  private def pruningFilters(filters: Seq[Expression], dataColumns: Seq[Attribute]): Seq[proto.Expr] = {
    val ctx = ExprContext(dataColumns)
    filters
      .filterNot(_.references.exists(a => a.dataType == FloatType || a.dataType == DoubleType || SparkTypes.isNested(a.dataType)))
      // A subquery's value reaches only the plan's own filters.
      .filterNot(_.exists(_.isInstanceOf[ScalarSubquery]))
      .flatMap(f => ExprSerde.convert(f, ctx).toOption)
  }
}

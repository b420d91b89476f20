package dev.thermite.rules

import org.apache.spark.sql.catalyst.expressions.{Alias, Attribute, AttributeSet, CreateNamedStruct, ExprId, Expression, GetStructField, KnownNotNull, NamedExpression}
import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.execution.{FileSourceScanExec, FilterExec, ProjectExec, SparkPlan}

/**
 * Simplifies a Project under another Project (directly or through a Filter), as Spark plans
 * reads of a file's `_metadata` and Delta's reads of tables with deletion vectors: the lower
 * Project builds a struct of columns and the upper reads fields of it, or never reads it. A
 * field read becomes the column itself, and what nothing above reads is dropped; a struct would
 * otherwise keep the Project, and every operator above it, in Spark. A file's constants nothing
 * reads are dropped from the scan too (Delta's reads ask for all of them, for that struct).
 */
object SimplifyStackedProjections extends Rule[SparkPlan] {
  override def apply(plan: SparkPlan): SparkPlan = plan.transformDown {
    case outer @ ProjectExec(list, filter @ FilterExec(condition, inner: ProjectExec)) =>
      simplify(inner, list :+ condition).map { case (project, rewritten) =>
        ProjectExec(named(rewritten.init), filter.copy(condition = rewritten.last, child = project))
      }.getOrElse(outer)
    case outer @ ProjectExec(list, inner: ProjectExec) =>
      simplify(inner, list).map { case (project, rewritten) => ProjectExec(named(rewritten), project) }.getOrElse(outer)
    // A file's constants (`_metadata.file_path`...) read by nothing above are not made at all.
    case project @ ProjectExec(list, filter @ FilterExec(condition, scan: FileSourceScanExec)) =>
      readOnly(scan, list :+ condition).map(s => project.copy(child = filter.copy(child = s))).getOrElse(project)
    case project @ ProjectExec(list, scan: FileSourceScanExec) =>
      readOnly(scan, list).map(s => project.copy(child = s)).getOrElse(project)
  }

  /** `scan` without the file constants `above` does not read; `None` where it reads them all. */
  private def readOnly(scan: FileSourceScanExec, above: Seq[Expression]): Option[FileSourceScanExec] = {
    val used = AttributeSet(above.flatMap(_.references))
    val unused = scan.fileConstantMetadataColumns.filterNot(used.contains).map(_.exprId).toSet
    if (unused.isEmpty) None else Some(scan.copy(output = scan.output.filterNot(a => unused.contains(a.exprId))))
  }

  private def named(expressions: Seq[Expression]): Seq[NamedExpression] = expressions.map(_.asInstanceOf[NamedExpression])

  /**
   * `inner` and the expressions `above` it, rewritten: reads of fields of a struct `inner` builds
   * from columns read those columns, and `inner` keeps only what is read. `None` where nothing
   * changes.
   */
  private def simplify(inner: ProjectExec, above: Seq[Expression]): Option[(ProjectExec, Seq[Expression])] = {
    val structs: Map[ExprId, Seq[Attribute]] = inner.projectList.collect {
      case a @ Alias(Columns(columns), _) => a.exprId -> columns
    }.toMap
    var added = Seq.empty[Attribute]
    val rewritten = above.map(_.transformUp {
      case GetStructField(s: Attribute, ordinal, _) if structs.contains(s.exprId) =>
        val column = structs(s.exprId)(ordinal)
        added :+= column
        column
    })
    val used = AttributeSet(rewritten.flatMap(_.references))
    // A nondeterministic expression is kept: computing it may be what the query asks for.
    val kept = inner.projectList.filter(e => used.contains(e.toAttribute) || !e.deterministic)
    val passed = added.distinct.filterNot(a => kept.exists(_.exprId == a.exprId))
    val unchanged = added.isEmpty && kept.length == inner.projectList.length
    if (unchanged || kept.isEmpty && passed.isEmpty) None
    else Some((inner.copy(projectList = kept ++ passed), rewritten))
  }

  /** A struct built from columns, each field one column (as Spark builds `_metadata`). */
  private object Columns {
    def unapply(e: Expression): Option[Seq[Attribute]] = e match {
      case KnownNotNull(s) => unapply(s)
      case s: CreateNamedStruct if s.valExprs.forall(_.isInstanceOf[Attribute]) => Some(s.valExprs.map(_.asInstanceOf[Attribute]))
      case _ => None
    }
  }
}

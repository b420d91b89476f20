package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.internal.Logging
import org.apache.spark.sql.execution.metric.SQLMetric

/**
 * One Spark node's metrics, named as the node is, so native metrics can be checked against it;
 * `ignored`: metrics native code reports that this node leaves out on purpose.
 */
case class NodeMetrics(node: String, metrics: Map[String, SQLMetric], ignored: Set[String] = Set.empty)

/**
 * Native metrics onto the nodes they belong to. Native code reports one entry per Spark node, in
 * the order of the nodes, each naming its node and its metrics; an entry for another node, a
 * missing entry or a metric the node does not declare is a broken contract between the two
 * sides. It fails the task under `spark.thermite.strictContracts` (the test suites set it) and is
 * logged otherwise, with no metric added: metrics never land on the wrong node.
 */
object NodeMetrics extends Logging {
  val StrictContracts = "spark.thermite.strictContracts"

  def report(reported: Seq[proto.OperatorMetrics], nodes: Seq[NodeMetrics], strict: Boolean): Unit =
    mismatch(reported, nodes) match {
      case None =>
        reported.zip(nodes).foreach { case (entry, node) =>
          entry.getValuesMap.forEach((name, value) => node.metrics.get(name).foreach(_ += value))
        }
      case Some(problem) =>
        val message = s"Thermite: native metrics do not match the plan's nodes: $problem"
        if (strict) throw new IllegalStateException(message)
        logWarning(message)
    }

  private def mismatch(reported: Seq[proto.OperatorMetrics], nodes: Seq[NodeMetrics]): Option[String] = {
    val names = reported.map(_.getOperator)
    if (names != nodes.map(_.node)) {
      Some(s"native reports [${names.mkString(", ")}], the plan has [${nodes.map(_.node).mkString(", ")}]")
    } else {
      reported.zip(nodes).iterator.map { case (entry, node) =>
        val unknown = entry.getValuesMap.keySet.toArray.map(_.toString)
          .filterNot(n => node.metrics.contains(n) || node.ignored(n))
        (node, unknown)
      }.collectFirst { case (node, unknown) if unknown.nonEmpty =>
        s"${node.node} does not declare ${unknown.mkString(", ")}"
      }
    }
  }
}

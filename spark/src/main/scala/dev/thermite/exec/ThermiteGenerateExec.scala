package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.Attribute
import org.apache.spark.sql.catalyst.plans.physical.Partitioning
import org.apache.spark.sql.execution.{GenerateExec, SparkPlan, UnaryExecNode}

/** Spark's `GenerateExec` (`explode`, `posexplode`, `inline`, `stack`), run natively. */
case class ThermiteGenerateExec(original: GenerateExec, generate: proto.Generate, child: SparkPlan)
    extends UnaryExecNode with ThermiteExec with ReplacesSparkNode[GenerateExec] {
  override def nodeName: String = "ThermiteGenerateExec"
  override def output: Seq[Attribute] = sparkNode.output
  override def outputPartitioning: Partitioning = sparkNode.outputPartitioning
  override protected def stringArgs: Iterator[Any] = Iterator(original.generator, original.outer, original.output)

  override def nativeOperator(inputs: NativeInputs): proto.Operator =
    proto.Operator.newBuilder().setGenerate(generate.toBuilder.setInput(nativeChild(child, inputs))).build()

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteGenerateExec = copy(child = newChild)
}

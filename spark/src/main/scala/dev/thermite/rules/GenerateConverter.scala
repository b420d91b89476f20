package dev.thermite.rules

import dev.thermite.exec.DetachedChild.detach
import dev.thermite.exec.{ThermiteExec, ThermiteGenerateExec}
import dev.thermite.proto
import dev.thermite.proto.Generate.Kind
import dev.thermite.serde.{ExprSerde, SparkTypes}
import dev.thermite.serde.expressions.Collections

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.execution.{GenerateExec, SparkPlan}
import org.apache.spark.sql.types.{NullType, StructField}

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/**
 * Spark's `GenerateExec` natively for `explode`, `posexplode`, `inline` (their outer forms too)
 * and `stack`, which is `inline` of an array of one struct per row it stacks.
 */
object GenerateConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val generate = node.asInstanceOf[GenerateExec]
    val ctx = OperatorSerde.exprContext(generate)
    val kept = generate.requiredChildOutput.map(a => generate.child.output.indexWhere(_.exprId == a.exprId))
    for {
      _ <- OperatorSerde.nativeChildren(generate)
      _ <- Either.cond(!kept.contains(-1), (), "a generator keeping columns its input lacks")
      generated <- generator(generate.generator)
      converted <- ExprSerde.convert(generated._2, ctx)
      schema <- SparkTypes.schema(generate.output.map(a => StructField(a.name, a.dataType, a.nullable)))
    } yield {
      val b = proto.Generate.newBuilder().setKind(generated._1).setCollection(converted).setOuter(generate.outer)
        .setSchema(schema)
      kept.foreach(k => b.addKept(k))
      ThermiteGenerateExec(detach(generate), b.build(), generate.child)
    }
  }

  private def generator(g: Generator): Either[String, (Kind, Expression)] = g match {
    case e: Explode => Right((Kind.EXPLODE, e.child))
    case p: PosExplode => Right((Kind.POS_EXPLODE, p.child))
    case i: Inline => Right((Kind.INLINE, i.child))
    case s: Stack => Right((Kind.INLINE, stacked(s)))
    case other => Left(s"generator `${other.prettyName}` is not supported")
  }

  /** `stack(n, v...)` as the array of its n rows, each a struct of its columns (NULL-padded). */
  private def stacked(s: Stack): Expression = {
    val rows = s.children.head.eval().asInstanceOf[Int]
    val values = s.children.tail
    val fields = s.elementSchema.fields.toSeq
    CreateArray((0 until rows).map { r =>
      Collections.namedStruct(fields.zipWithIndex.map { case (f, c) =>
        f.name -> values.lift(r * fields.length + c).filter(_.dataType != NullType).getOrElse(Literal(null, f.dataType))
      })
    })
  }
}

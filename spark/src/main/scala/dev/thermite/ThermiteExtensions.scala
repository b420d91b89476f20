package dev.thermite

import dev.thermite.rules.ConvertToThermite
import org.apache.spark.sql.SparkSessionExtensions
import org.apache.spark.sql.execution.{ColumnarRule, SparkPlan}
import org.apache.spark.sql.catalyst.rules.Rule

/** Registered by [[ThermitePlugin]]; may also be named in `spark.sql.extensions` directly. */
class ThermiteExtensions extends (SparkSessionExtensions => Unit) {
  override def apply(extensions: SparkSessionExtensions): Unit = {
    extensions.injectColumnar(session =>
      new ColumnarRule {
        override def preColumnarTransitions: Rule[SparkPlan] = ConvertToThermite(session)
      })
  }
}

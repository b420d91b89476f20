package dev.thermite

import dev.thermite.rules.{ConvertToThermite, RemoveTransitionsAroundNativeExchanges}
import org.apache.spark.sql.SparkSessionExtensions
import org.apache.spark.sql.execution.{ColumnarRule, SparkPlan}
import org.apache.spark.sql.catalyst.rules.Rule

/** Registered by [[ThermitePlugin]]; may also be named in `spark.sql.extensions` directly. */
class ThermiteExtensions extends (SparkSessionExtensions => Unit) {
  override def apply(extensions: SparkSessionExtensions): Unit = {
    // Under AQE, native exchanges must exist before stages are cut: a stage is identified by its
    // exchange as planned then, and a stage's exchange stays the kind it was.
    extensions.injectQueryStagePrepRule(session => ConvertToThermite(session))
    extensions.injectColumnar(session =>
      new ColumnarRule {
        override def preColumnarTransitions: Rule[SparkPlan] = ConvertToThermite(session)
        override def postColumnarTransitions: Rule[SparkPlan] = RemoveTransitionsAroundNativeExchanges
      })
  }
}

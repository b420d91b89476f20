package dev.thermite

import dev.thermite.exec.ThermiteBroadcastHashJoinExec
import dev.thermite.rules.JoinConverter
import org.apache.spark.sql.DataFrame
import org.apache.spark.sql.execution.adaptive.AQEShuffleReadExec
import org.junit.Assert.{assertEquals, assertTrue}
import org.junit.Test

/**
 * Shuffled hash joins (build left and right) and sort-merge joins, Thermite off vs on: every join
 * type, NULL keys, an empty side, an extra condition, keys of several types and `<=>`, with AQE
 * on and off. Broadcasts are off so Spark plans the shuffled joins the hints ask for.
 */
class JoinSuite extends ThermiteTestBase {
  private lazy val tables: (String, String) = {
    spark.read.parquet(TestData.write(spark, tempPath("join_left"), n = 300, files = 3)).createOrReplaceTempView("jl")
    spark.read.parquet(TestData.write(spark, tempPath("join_right"), n = 120, files = 2)).createOrReplaceTempView("jr")
    ("jl", "jr")
  }

  private val HashBuildRight = ("SHUFFLE_HASH(r)", "ThermiteShuffledHashJoinExec")
  private val HashBuildLeft = ("SHUFFLE_HASH(l)", "ThermiteShuffledHashJoinExec")
  private val SortMerge = ("SHUFFLE_MERGE(l)", "ThermiteSortMergeJoinExec")

  private val outerTypes = Seq("INNER", "LEFT OUTER", "RIGHT OUTER", "FULL OUTER")
  private val semiTypes = Seq("LEFT SEMI", "LEFT ANTI")

  private def shuffled(f: => Unit): Unit = for (aqe <- Seq("true", "false")) {
    withConf("spark.sql.adaptive.enabled" -> aqe, "spark.sql.autoBroadcastJoinThreshold" -> "-1")(f)
  }

  /** The join of `jl l` and `r` (a table or subquery) on `on`, of every type, with `strategy`. */
  private def everyType(strategy: (String, String), right: String, on: String,
      types: Seq[String] = outerTypes): Unit = {
    val (l, r) = tables
    val (hint, node) = strategy
    for (t <- types) {
      checkSql(s"SELECT /*+ $hint */ l.id, l.i, l.str, r.id, r.dec15, r.date FROM $l l $t JOIN $right r ON $on", Seq(node))
    }
    for (t <- semiTypes) {
      checkSql(s"SELECT /*+ $hint */ l.id, l.str, l.d FROM $l l $t JOIN $right r ON $on", Seq(node))
    }
  }

  @Test def hashJoinBuildRight(): Unit = shuffled {
    everyType(HashBuildRight, "jr", "l.i = r.i")
  }

  @Test def hashJoinBuildLeft(): Unit = shuffled {
    // Spark builds left only for the types it can.
    val (l, _) = tables
    for (t <- Seq("INNER", "RIGHT OUTER")) {
      checkSql(s"SELECT /*+ SHUFFLE_HASH(l) */ l.id, l.b, r.id, r.str FROM $l l $t JOIN jr r ON l.i = r.i",
        Seq("ThermiteShuffledHashJoinExec"))
    }
  }

  @Test def sortMergeJoin(): Unit = shuffled {
    everyType(SortMerge, "jr", "l.i = r.i")
  }

  @Test def extraCondition(): Unit = shuffled {
    val on = "l.i = r.i AND l.l > r.l AND (l.str IS NULL OR r.str < l.str)"
    everyType(HashBuildRight, "jr", on)
    everyType(SortMerge, "jr", on, outerTypes.filterNot(_ == "FULL OUTER"))
    val df = checkSql(s"SELECT /*+ SHUFFLE_MERGE(l) */ l.id, r.id FROM jl l FULL OUTER JOIN jr r ON $on", Nil)
    val reasons = Thermite.fallbackReasons(df).collect { case ("SortMergeJoin", why) => why }
    assertTrue(s"the merge join stays in Spark with its reason: $reasons",
      reasons == Seq(JoinConverter.FullOuterMergeWithCondition))
  }

  // With AQE on, Spark drops a join with an empty side.
  @Test def anEmptySide(): Unit = withConf("spark.sql.adaptive.enabled" -> "false",
      "spark.sql.autoBroadcastJoinThreshold" -> "-1") {
    for (s <- Seq(HashBuildRight, SortMerge)) {
      everyType(s, "(SELECT * FROM jr WHERE id < 0)", "l.i = r.i")
      val (hint, node) = s
      checkSql(s"SELECT /*+ $hint */ l.id, r.id FROM (SELECT * FROM jl WHERE id < 0) l FULL OUTER JOIN jr r " +
        "ON l.i = r.i", Seq(node))
    }
  }

  @Test def keysOfManyTypes(): Unit = shuffled {
    for (s <- Seq(HashBuildRight, SortMerge); key <- Seq("dec15", "dec38", "str", "ts", "ntz", "l", "b")) {
      val (hint, node) = s
      checkSql(s"SELECT /*+ $hint */ l.id, r.id FROM jl l LEFT OUTER JOIN jr r ON l.$key = r.$key", Seq(node))
    }
    for (s <- Seq(HashBuildRight, SortMerge)) {
      everyType(s, "jr", "l.b = r.b AND l.str = r.str AND l.dec5 = r.dec5")
      // Date keys derived from the table's dates, so that many rows match.
      val (hint, node) = s
      checkSql(s"SELECT /*+ $hint */ l.id, r.id, l.k FROM (SELECT id, date_add(DATE'2020-02-27', i % 4) AS k FROM jl) l " +
        "FULL OUTER JOIN (SELECT id, date_add(coalesce(date, DATE'2020-02-28'), b) AS k FROM jr) r ON l.k = r.k", Seq(node))
    }
  }

  @Test def floatingPointAndBinaryKeysHash(): Unit = shuffled {
    // NaN joins NaN and -0.0 joins 0.0, as Spark normalizes its keys.
    for (key <- Seq("f", "d", "bin")) {
      checkSql(s"SELECT /*+ SHUFFLE_HASH(r) */ l.id, r.id, l.$key FROM jl l FULL OUTER JOIN jr r ON l.$key = r.$key",
        Seq("ThermiteShuffledHashJoinExec"))
    }
  }

  @Test def nullSafeEquality(): Unit = shuffled {
    for (s <- Seq(HashBuildRight, SortMerge)) {
      everyType(s, "jr", "l.str <=> r.str")
      everyType(s, "jr", "l.i <=> r.i AND l.date <=> r.date")
    }
  }

  @Test def existenceJoin(): Unit = shuffled {
    checkSql("SELECT id, str FROM jl WHERE EXISTS (SELECT 1 FROM jr WHERE jr.i = jl.i AND jr.l < jl.l) OR jl.b > 0",
      Seq("ThermiteSortMergeJoinExec"))
    checkSql("SELECT id, str FROM jl WHERE jl.i IN (SELECT i FROM jr WHERE jr.b = jl.b) OR jl.b IS NULL",
      Seq("ThermiteSortMergeJoinExec"))
  }

  @Test def mergeJoinWithAConditionKeepsItsStreamedOrder(): Unit = shuffled {
    // A merge join with a condition runs as a hash join probing with the side Spark streams. A
    // second merge join on the same key reads its output unsorted (three sorts, not four), so a
    // row out of order loses its matches there. Rows with v = 0 never meet the condition: an
    // outer join keeps them unmatched, among the matched rows of every key.
    spark.range(0, 3000, 1, 3).selectExpr("id", "id % 97 AS k", "id % 5 AS v").createOrReplaceTempView("ordered_l")
    spark.range(0, 400, 1, 2).selectExpr("id", "id % 97 AS k", "id % 5 AS v").createOrReplaceTempView("ordered_r")
    for ((t, key) <- Seq("INNER" -> "a.k", "LEFT OUTER" -> "a.k", "RIGHT OUTER" -> "b.k")) {
      val df = checkSql(s"SELECT a.id, b.id, c.id FROM ordered_l a $t JOIN ordered_r b ON a.k = b.k AND a.v > b.v " +
        s"JOIN ordered_r c ON $key = c.k", Seq("ThermiteSortMergeJoinExec"))
      val joins = planNodes(df).count(_.nodeName == "ThermiteSortMergeJoinExec")
      val sorts = planNodes(df).count(_.nodeName == "ThermiteSortExec")
      assertEquals(s"$t: two merge joins over three sorts: ${df.queryExecution.executedPlan}", (2, 3), (joins, sorts))
    }
  }

  @Test def hashJoinsKeepTheirStreamedOrder(): Unit = shuffled {
    // Spark's hash joins promise the order of the side they stream: the last merge join reads
    // the hash join's output without sorting it again. Unmatched rows (keys not a multiple of 3)
    // must stay where the streamed side had them, not after each batch's matched rows.
    for ((name, rows) <- Seq("streamed_l" -> 3000, "streamed_r" -> 400)) {
      val path = tempPath(name)
      spark.range(0, rows, 1, 3).selectExpr("id", "id % 97 AS k", "id % 5 AS v").write.parquet(path)
      spark.read.parquet(path).createOrReplaceTempView(name)
    }
    for ((hint, node) <- Seq("SHUFFLE_HASH(b)" -> "ThermiteShuffledHashJoinExec", "BROADCAST(b)" -> "ThermiteBroadcastHashJoinExec");
         t <- Seq("INNER", "LEFT OUTER")) {
      val df = checkSql(s"SELECT /*+ SHUFFLE_MERGE(d), SHUFFLE_MERGE(c), $hint */ a.id, d.id, b.id, c.id " +
        s"FROM streamed_l a JOIN streamed_r d ON a.k = d.k $t JOIN streamed_r b ON a.k = b.k AND b.k % 3 = 0 " +
        "JOIN streamed_r c ON a.k = c.k", Seq("ThermiteSortMergeJoinExec", node))
      val sorts = planNodes(df).count(_.nodeName == "ThermiteSortExec")
      assertEquals(s"$t $hint: the last merge join sorts nothing: ${df.queryExecution.executedPlan}", 3, sorts)
    }
  }

  @Test def nativeOperatorsAboveAJoin(): Unit = shuffled {
    checkSql("SELECT /*+ SHUFFLE_HASH(r) */ l.str, count(*), sum(r.l) FROM jl l JOIN jr r ON l.i = r.i GROUP BY l.str",
      Seq("ThermiteShuffledHashJoinExec", "ThermiteHashAggregateExec"))
    checkOrdered(spark.sql("SELECT /*+ SHUFFLE_MERGE(l) */ l.id, r.id FROM jl l JOIN jr r ON l.s = r.s ORDER BY l.id, r.id"),
      Seq("ThermiteSortMergeJoinExec", "ThermiteSortExec"))
    // Three tables: a join reading another join.
    checkSql("SELECT /*+ SHUFFLE_MERGE(a, b), SHUFFLE_HASH(c) */ a.id, b.id, c.id FROM jl a JOIN jr b ON a.i = b.i " +
      "JOIN jr c ON b.str = c.str", Seq("ThermiteSortMergeJoinExec", "ThermiteShuffledHashJoinExec"))
  }

  @Test def aqeSplitsSkewedNativeShufflePartitions(): Unit = withConf(
      "spark.sql.adaptive.enabled" -> "true",
      "spark.sql.autoBroadcastJoinThreshold" -> "-1",
      "spark.sql.shuffle.partitions" -> "8",
      "spark.sql.adaptive.coalescePartitions.enabled" -> "false",
      "spark.sql.adaptive.skewJoin.skewedPartitionFactor" -> "2",
      "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes" -> "1KB",
      "spark.sql.adaptive.advisoryPartitionSizeInBytes" -> "1KB") {
    // Four rows in five share key 0: its partition is split across tasks, each joining its part
    // of the skewed side with the whole partition of the other.
    val skewed = tempPath("skewed")
    spark.range(0, 20000, 1, 4).selectExpr("id", "if(id % 5 < 4, 0, id) AS k", "repeat('s', 20) AS pad").write.parquet(skewed)
    spark.read.parquet(skewed).createOrReplaceTempView("skewed")
    val keys = tempPath("skew_keys")
    spark.range(0, 20000, 1, 2).selectExpr("id AS k", "cast(id AS string) AS name").write.parquet(keys)
    spark.read.parquet(keys).createOrReplaceTempView("skew_keys")
    for ((hint, node) <- Seq(("SHUFFLE_MERGE(l)", "ThermiteSortMergeJoinExec"), ("SHUFFLE_HASH(r)", "ThermiteShuffledHashJoinExec"))) {
      val df = checkSql(s"SELECT /*+ $hint */ l.id, r.name FROM skewed l JOIN skew_keys r ON l.k = r.k",
        Seq(node, "ThermiteShuffleExchangeExec"))
      val reads = planNodes(df).collect { case r: AQEShuffleReadExec => r }
      assertTrue(s"AQE split a skewed native shuffle: ${df.queryExecution.executedPlan}", reads.exists(_.hasSkewedPartition))
    }
  }

  @Test def aqeTurnsAShuffledJoinIntoANativeBroadcastWithLocalReads(): Unit = withConf(
      "spark.sql.adaptive.enabled" -> "true",
      "spark.sql.autoBroadcastJoinThreshold" -> "-1",
      "spark.sql.adaptive.autoBroadcastJoinThreshold" -> "10MB") {
    // Planned as a merge join; the filtered side turns out small, so AQE broadcasts its native
    // shuffle's output and the other side reads its map outputs locally.
    val (left, right) = tables
    val df = checkSql(s"SELECT l.id, r.id, r.str FROM $left l JOIN (SELECT * FROM $right WHERE id < 20) r ON l.i = r.i",
      Seq("ThermiteBroadcastHashJoinExec", "ThermiteBroadcastExchangeExec", "ThermiteShuffleExchangeExec"))
    val reads = planNodes(df).collect { case r: AQEShuffleReadExec => r }
    assertTrue(s"a local read of a native shuffle: ${df.queryExecution.executedPlan}", reads.exists(_.isLocalRead))
  }

  private def broadcast(f: => Unit): Unit = for (aqe <- Seq("true", "false")) {
    withConf("spark.sql.adaptive.enabled" -> aqe, "spark.sql.autoBroadcastJoinThreshold" -> "10MB")(f)
  }

  private val Broadcast = Seq("ThermiteBroadcastHashJoinExec", "ThermiteBroadcastExchangeExec")

  @Test def broadcastHashJoin(): Unit = broadcast {
    for (t <- Seq("INNER", "LEFT OUTER"); on <- Seq("l.i = r.i", "l.i = r.i AND l.l > r.l", "l.str <=> r.str")) {
      checkSql(s"SELECT /*+ BROADCAST(r) */ l.id, l.str, r.id, r.dec15 FROM jl l $t JOIN jr r ON $on", Broadcast)
    }
    for (t <- semiTypes; on <- Seq("l.i = r.i", "l.i = r.i AND l.l > r.l")) {
      checkSql(s"SELECT /*+ BROADCAST(r) */ l.id, l.str FROM jl l $t JOIN jr r ON $on", Broadcast)
    }
    for (t <- Seq("INNER", "RIGHT OUTER")) {
      checkSql(s"SELECT /*+ BROADCAST(l) */ l.id, r.id, r.str FROM jl l $t JOIN jr r ON l.dec15 = r.dec15 AND l.b = r.b",
        Broadcast)
    }
    // String and decimal keys, an existence join.
    checkSql("SELECT /*+ BROADCAST(r) */ l.id, r.id FROM jl l LEFT OUTER JOIN jr r ON l.str = r.str", Broadcast)
    checkSql("SELECT id, str FROM jl WHERE EXISTS (SELECT 1 FROM jr WHERE jr.dec38 = jl.dec38) OR jl.b > 0", Broadcast)
  }

  // With AQE on, Spark drops a join with an empty side.
  @Test def anEmptyBroadcast(): Unit = withConf("spark.sql.adaptive.enabled" -> "false") {
    for (t <- Seq("INNER", "LEFT OUTER", "LEFT SEMI", "LEFT ANTI")) {
      checkSql(s"SELECT /*+ BROADCAST(r) */ l.id, l.str FROM jl l $t JOIN (SELECT * FROM jr WHERE id < 0) r " +
        "ON l.str = r.str", Broadcast)
    }
  }

  @Test def sparkReadsANativeBroadcast(): Unit = broadcast {
    // The join stays in Spark (`initcap` in its condition) and reads the native broadcast as its hashed relation.
    val df = checkSql("SELECT /*+ BROADCAST(r) */ l.id, r.id FROM jl l JOIN jr r ON l.i = r.i AND initcap(l.str) <> r.str",
      Seq("ThermiteBroadcastExchangeExec"))
    assertTrue(planNodes(df).exists(_.nodeName == "BroadcastHashJoin"))
    checkSql("SELECT /*+ BROADCAST(r) */ l.id, l.str FROM jl l LEFT SEMI JOIN jr r ON l.l = r.l AND initcap(l.str) <> r.str",
      Seq("ThermiteBroadcastExchangeExec"))
  }

  @Test def notInIsANullAwareAntiJoin(): Unit = broadcast {
    val (l, r) = tables
    // `i` has NULLs on both sides: a NULL in the subquery keeps no row, a NULL probe key survives
    // only an empty subquery.
    for (sub <- Seq(s"SELECT i FROM $r WHERE b > 0", s"SELECT i FROM $r WHERE b > 0 AND i IS NOT NULL",
        s"SELECT i FROM $r WHERE i IS NULL", s"SELECT i FROM $r WHERE id = 7")) {
      checkSql(s"SELECT id, i FROM $l WHERE i NOT IN ($sub)", Broadcast)
      checkSql(s"SELECT id, str FROM $l WHERE i IS NOT NULL AND i NOT IN ($sub)", Broadcast)
    }
    checkSql(s"SELECT id FROM $l WHERE str NOT IN (SELECT str FROM $r WHERE id > 60)", Broadcast)
    checkSql(s"SELECT id FROM $l WHERE dec15 NOT IN (SELECT dec15 FROM $r WHERE b > 0 AND dec15 IS NOT NULL)", Broadcast)
    val df = checkSql(s"SELECT id FROM $l WHERE l NOT IN (SELECT l FROM $r WHERE b > 1)", Broadcast)
    val nullAware = planNodes(df).collect { case j: ThermiteBroadcastHashJoinExec => j.join.getNullAware }
    assertTrue(df.queryExecution.executedPlan.toString, nullAware.contains(true))
  }

  // With AQE on, Spark drops a join with an empty side.
  @Test def notInAnEmptySubquery(): Unit = withConf("spark.sql.adaptive.enabled" -> "false") {
    val (l, r) = tables
    checkSql(s"SELECT id, i FROM $l WHERE i NOT IN (SELECT i FROM $r WHERE id < 0)", Broadcast)
  }

  @Test def notInLeftInSparkReadsSparksBroadcast(): Unit = broadcast {
    val (l, r) = tables
    // `initcap` in the key keeps the join in Spark, which tells an empty or NULL-keyed subquery
    // by its own relation: the broadcast stays Spark's too, and says why.
    val empty = s"SELECT str FROM $r WHERE id < 0"
    for (sub <- Seq(s"SELECT str FROM $r WHERE b > 0", empty, s"SELECT str FROM $r WHERE str IS NULL")) {
      val df = checkSql(s"SELECT id FROM $l WHERE initcap(str) NOT IN ($sub)", Nil)
      val broadcasts = planNodes(df).filter(_.nodeName == "BroadcastExchange")
      val plan = df.queryExecution.executedPlan.toString
      // AQE drops the join of a subquery that is empty or holds a NULL (NOT IN is then empty),
      // and its broadcast with it.
      val values = withConf(ThermiteConf.Enabled -> "false")(spark.sql(sub).collect())
      if ((values.isEmpty || values.exists(_.isNullAt(0))) && spark.conf.get("spark.sql.adaptive.enabled") == "true") {
        assertTrue(plan, broadcasts.isEmpty && !nativeNodeNames(df).contains("ThermiteBroadcastExchangeExec"))
      } else {
        assertTrue(plan, broadcasts.nonEmpty &&
          broadcasts.forall(b => Fallback.reason(b).exists(_.contains("runs natively only with its join"))))
      }
    }
  }

  @Test def reusedBroadcast(): Unit = broadcast {
    val sql = "WITH s AS (SELECT i, str FROM jr WHERE b > 0) " +
      "SELECT /*+ BROADCAST(x) */ a.id, x.str FROM jl a JOIN s x ON a.i = x.i " +
      "UNION ALL SELECT /*+ BROADCAST(y) */ b.id, y.str FROM jl b JOIN s y ON b.i = y.i"
    val reused = (df: DataFrame) => { df.collect(); planNodes(df).exists(_.nodeName == "ReusedExchange") }
    assertTrue("Spark reuses the broadcast", withConf(ThermiteConf.Enabled -> "false")(reused(spark.sql(sql))))
    val df = checkSql(sql, Broadcast)
    assertTrue(df.queryExecution.executedPlan.toString, reused(df))
  }

  @Test def dynamicPartitionPruningReadsANativeBroadcast(): Unit = broadcast {
    val path = tempPath("join_partitioned")
    TestData.frame(spark, 300).write.partitionBy("s").parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("jp")
    // The scan with a pruning subquery stays in Spark; the subquery and the join read the native broadcast.
    val (_, right) = tables
    val df = checkSql(s"SELECT p.id, p.str, r.id FROM jp p JOIN $right r ON p.s = r.s WHERE r.id < 30",
      Seq("ThermiteBroadcastExchangeExec"))
    assertTrue(df.queryExecution.executedPlan.toString, df.queryExecution.executedPlan.toString.contains("dynamicpruning"))
  }

  /** Spark packs several integral keys into one long; its pruning subquery unpacks them. */
  @Test def dynamicPartitionPruningOnPackedKeys(): Unit = broadcast {
    val path = tempPath("join_partitioned_twice")
    TestData.frame(spark, 300).write.partitionBy("b", "s").parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("jp2")
    val (_, right) = tables
    for (keys <- Seq("p.b = r.b AND p.s = r.s", "p.s = r.s AND p.b = r.b", "p.s = r.s")) {
      val df = checkSql(s"SELECT p.id, p.str, r.id FROM jp2 p JOIN $right r ON $keys WHERE r.id < 30",
        Seq("ThermiteBroadcastExchangeExec"))
      assertTrue(df.queryExecution.executedPlan.toString, df.queryExecution.executedPlan.toString.contains("dynamicpruning"))
    }
  }

  private val NestedLoop = Seq("ThermiteBroadcastNestedLoopJoinExec", "ThermiteBroadcastExchangeExec")

  /** Joins without equality keys: conditions of awkward values (NaN, -0.0, NULL), cross joins. */
  @Test def broadcastNestedLoopJoin(): Unit = broadcast {
    val (l, r) = tables
    val conditions = Seq("l.d < r.d", "l.i > r.i AND l.str <> r.str", "l.d = r.d OR l.dec15 > r.dec15", "(l.f <=> r.f) OR l.b < r.b")
    for (on <- conditions; t <- Seq("INNER", "LEFT OUTER")) {
      checkSql(s"SELECT /*+ BROADCAST(r) */ l.id, l.str, r.id, r.dec15 FROM $l l $t JOIN $r r ON $on", NestedLoop)
    }
    for (on <- conditions; t <- semiTypes) {
      checkSql(s"SELECT /*+ BROADCAST(r) */ l.id, l.d FROM $l l $t JOIN $r r ON $on", NestedLoop)
    }
    // Building left: Spark can for inner and right outer joins.
    for (t <- Seq("INNER", "RIGHT OUTER")) {
      checkSql(s"SELECT /*+ BROADCAST(l) */ l.id, r.id, r.str FROM $r l $t JOIN $l r ON l.l < r.l", NestedLoop)
    }
    // Cross joins of one-row aggregates (TPC-DS q28, q88), an existence join, an empty broadcast.
    checkSql(s"SELECT * FROM (SELECT count(*), sum(d) FROM $l WHERE i > 0) a CROSS JOIN " +
      s"(SELECT avg(dec15), max(str) FROM $r) b CROSS JOIN (SELECT min(date) FROM $r WHERE id < 0) c", NestedLoop)
    checkSql(s"SELECT /*+ BROADCAST(r) */ l.id, r.id FROM $l l CROSS JOIN $r r WHERE r.id < 7", NestedLoop)
    checkSql(s"SELECT id, str FROM $l WHERE EXISTS (SELECT 1 FROM $r WHERE $r.l < $l.l AND $r.id < 5) OR $l.b > 0",
      NestedLoop)
    for (t <- Seq("INNER", "LEFT OUTER", "LEFT ANTI")) {
      checkSql(s"SELECT /*+ BROADCAST(r) */ l.id FROM $l l $t JOIN (SELECT * FROM $r WHERE id < 0) r ON l.i < r.i",
        if (spark.conf.get("spark.sql.adaptive.enabled") == "true") Nil else NestedLoop)
    }
  }

  /** Spark gathers which broadcast rows any task matched: that join stays Spark's, and says why. */
  @Test def nestedLoopJoinKeepingBroadcastRowsStaysInSpark(): Unit = broadcast {
    val (l, r) = tables
    val df = checkSql(s"SELECT /*+ BROADCAST(r) */ l.id, r.id FROM $l l FULL OUTER JOIN $r r ON l.i < r.i", Nil)
    val reasons = Thermite.fallbackReasons(df).collect { case ("BroadcastNestedLoopJoin", why) => why }
    assertTrue(reasons.toString, reasons.nonEmpty && reasons.forall(_.contains("unmatched rows of its broadcast")))
  }
}

package org.hallufloor.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import org.apache.spark.SparkConf;
import org.hallufloor.output.PosixLocalFileSystem;
import org.junit.jupiter.api.BeforeEach;

/**
 * One Spark session shared by every test class of the JVM. spark-testing-base's Java bases
 * start it from JUnit 4's @Before; Jupiter calls {@code runBefore()} here instead.
 */
public abstract class SparkTestBase extends JavaDataFrameSuiteBase {
  @BeforeEach
  public void startSpark() {
    runBefore();
  }

  @Override
  public SparkConf conf() {
    return super.conf()
        .setMaster("local[2]")
        .set("spark.sql.shuffle.partitions", "4")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        // The suite runs the job about a hundred times in this JVM, each run compiling about 140
        // distinct classes: with Spark's default of 100 entries every run compiled them all again
        // (a 120-document run took 4.2 s warm, 3.1 s with the classes kept; README, the suite's time).
        .set("spark.sql.codegen.cache.maxEntries", "4000")
        // Tests talk to themselves only: no lookup of the machine's external address.
        .set("spark.driver.host", "localhost")
        .set("spark.driver.bindAddress", "127.0.0.1")
        // As a run with a local master sets it (job.HallufloorJob.session).
        .set("spark.hadoop." + PosixLocalFileSystem.KEY, PosixLocalFileSystem.class.getName());
  }
}

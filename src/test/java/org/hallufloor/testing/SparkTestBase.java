package org.hallufloor.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import org.apache.spark.SparkConf;
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
        // Tests talk to themselves only: no lookup of the machine's external address.
        .set("spark.driver.host", "localhost")
        .set("spark.driver.bindAddress", "127.0.0.1");
  }
}

package org.hallufloor.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;

/** The Spark job groups of every job started while a piece of work runs, as the Spark UI lists them. */
public final class JobGroups {
  private JobGroups() {}

  public record Seen<T>(T result, Set<String> groups, int jobs) {}

  public static <T> Seen<T> during(SparkSession spark, Supplier<T> work) {
    Set<String> groups = ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicInteger jobs = new java.util.concurrent.atomic.AtomicInteger();
    SparkListener listener = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        jobs.incrementAndGet();
        groups.add(String.valueOf(start.properties().getProperty("spark.jobGroup.id")));
      }
    };
    spark.sparkContext().addSparkListener(listener);
    try {
      return new Seen<>(work.get(), Set.copyOf(groups), jobs.get());
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
  }
}

package org.hallufloor.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hallufloor.job.HallufloorJob;

/** The job as scripts/run-local.sh starts it, in a JVM of its own with the heap given, output to {@code log}. */
public final class ChildJob {
  /**
   * JIT options for a test's child JVMs, which run for seconds on a few hundred documents: C2's
   * compiler threads took half their CPU (MultiJvmTest: 158 s user alone, 78 s with C1 only, on
   * 2 cores). Numbers do not depend on the compiler; the job's own runs keep the default.
   */
  public static final String QUICK_JIT = "-XX:TieredStopAtLevel=1";

  private ChildJob() {}

  public static Process start(String heap, Path log, List<String> arguments) {
    try {
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx" + heap, QUICK_JIT));
      command.addAll(List.of(Files.readString(Path.of("target", "jvm-options.txt")).trim().split("\\s+")));
      command.addAll(List.of("-cp", Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
          + Files.readString(Path.of("target", "classpath.txt")).trim(), HallufloorJob.class.getName()));
      command.addAll(arguments);
      return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

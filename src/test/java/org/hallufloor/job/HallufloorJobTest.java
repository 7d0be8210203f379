package org.hallufloor.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Configuration errors exit 2, listing every problem, before any Spark session exists. */
class HallufloorJobTest {
  private static String[] run(int expectedCode, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = HallufloorJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String errText = err.toString(StandardCharsets.UTF_8);
    assertEquals(expectedCode, code, errText);
    return new String[] {out.toString(StandardCharsets.UTF_8), errText};
  }

  @Test
  void badConfigurationExitsTwoWithEveryKeyNamed() {
    String err = run(HallufloorJob.BAD_CONFIG, "jobs/europarl-sample.conf",
        "hallufloor.temperatures=[0]", "hallufloor.scaling-fractions=[-0.5]", "hallufloor.contex-lengths=[1]")[1];
    assertTrue(err.contains("hallufloor.temperatures[0]"), err);
    assertTrue(err.contains("hallufloor.scaling-fractions[0]"), err);
    assertTrue(err.contains("did you mean hallufloor.context-lengths?"), err);
    assertTrue(err.contains("3 configuration problem(s)"), err);
  }

  @Test
  void strayArgumentExitsTwo() {
    String err = run(HallufloorJob.BAD_CONFIG, "jobs/europarl-sample.conf", "extra")[1];
    assertTrue(err.contains("argument 'extra'"), err);
  }
}

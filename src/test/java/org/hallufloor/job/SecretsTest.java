package org.hallufloor.job;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hallufloor.config.Settings;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.Runs;
import org.hallufloor.testing.Shards;
import org.hallufloor.testing.SparkTestBase;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A planted credential reaches Spark's settings but no byte of any output or printed line. */
class SecretsTest extends SparkTestBase {
  @TempDir Path dir;

  @Test
  void plantedSecretsAppearNowhere() throws IOException {
    Path shard = Shards.europarl(dir.resolve("europarl-20.txt.gz"), Europarl.first(20));
    String secret = "PLANTED-s3cr3t-7f3a9c";
    // One key of each store's credentials (issue 21 row 1), all carrying the planted value.
    List<String> keys = List.of("spark.hadoop.fs.s3a.secret.key", "spark.hadoop.fs.s3a.access.key",
        "spark.hadoop.fs.s3a.session.token", "spark.hadoop.fs.s3a.encryption.key",
        "spark.hadoop.fs.gs.auth.service.account.private.key", "spark.hadoop.fs.gs.auth.service.account.json.keyfile",
        "spark.hadoop.google.cloud.auth.service.account.json.keyfile",
        "spark.hadoop.fs.azure.account.key.myacct.blob.core.windows.net",
        "spark.hadoop.fs.azure.account.oauth2.client.secret.myacct.dfs.core.windows.net",
        "spark.hadoop.fs.azure.sas.mycontainer.myacct.blob.core.windows.net", "spark.hadoop.fs.azure.sas.token",
        "spark.hadoop.fs.adl.oauth2.credential", "spark.hadoop.fs.adl.oauth2.refresh.token",
        "spark.hadoop.javax.jdo.option.ConnectionPassword", "spark.sql.catalog.pg.password",
        "spark.sql.catalog.rest.token", "spark.sql.catalog.glue.s3.secret-access-key", "spark.myapp.apikey",
        "spark.myapp.password");
    List<String> overrides = new ArrayList<>(List.of("hallufloor.input.paths=[\"" + shard + "\"]",
        "hallufloor.context-lengths=[1]"));
    for (String key : keys) {
      Assertions.assertTrue(org.hallufloor.config.SettingsLoader.isSecretKey(key), key);
      overrides.add("\"" + key.replace(".", "\".\"") + "\"=\"" + secret + "\"");
    }
    Settings settings = Runs.settings("jobs/europarl-sample.conf", dir.resolve("out"), overrides.toArray(new String[0]));
    Assertions.assertEquals(secret, settings.spark().get("spark.hadoop.fs.s3a.secret.key"));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int code = HallufloorJob.execute(spark(), settings, false, new PrintStream(printed, true, StandardCharsets.UTF_8),
        new PrintStream(errors, true, StandardCharsets.UTF_8));
    Assertions.assertEquals(0, code, errors.toString(StandardCharsets.UTF_8));
    Assertions.assertFalse(printed.toString(StandardCharsets.UTF_8).contains(secret));
    Assertions.assertFalse(errors.toString(StandardCharsets.UTF_8).contains(secret));
    byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
    int files = 0;
    try (Stream<Path> all = Files.walk(dir.resolve("out"))) {
      for (Path f : all.filter(Files::isRegularFile).toList()) {
        files++;
        Assertions.assertFalse(contains(Files.readAllBytes(f), needle), f.toString());
      }
    }
    Assertions.assertTrue(files > 5, "the run wrote its tables");
    // Parquet pages are compressed: read config_json back as text as well.
    String configJson = spark().read().parquet(dir.resolve("out").resolve("runs").toString()).first().getAs("config_json");
    Assertions.assertFalse(configJson.contains(secret), configJson);
    Assertions.assertTrue(configJson.contains("\"secret\":{\"key\":\"***redacted***\"}"),
        "the key is kept, its value replaced: " + configJson);
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}

package org.hallufloor.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.hallufloor.config.Settings;
import org.hallufloor.config.SettingsException;
import org.hallufloor.output.RunOutput;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;

/**
 * What can be known to fail before Spark starts, checked then, so a run does not read a
 * whole corpus to find it out: the tokenizer loads (a tokenizer.json of a family the job does
 * not read is named), and the output root can be written (not below a regular file, not
 * read-only). Problems exit 2, each naming its key, as the loader's own do.
 */
final class Preflight {
  private Preflight() {}

  static void check(Settings settings) {
    List<String> problems = new ArrayList<>();
    try {
      Tokenizers.get(TokenizerSpec.of(settings.tokenizer()));
    } catch (RuntimeException e) {
      problems.add("hallufloor.tokenizer: " + settings.tokenizer() + " cannot be used: " + e.getMessage());
    }
    String writable = writable(settings.outputRoot(), hadoopConf(HallufloorJob.sparkKeys(settings)));
    if (writable != null) {
      problems.add("hallufloor.output.root: " + writable);
    } else {
      try {
        String clash = RunOutput.formatClash(settings.output(), hadoopConf(HallufloorJob.sparkKeys(settings)));
        if (clash != null) {
          problems.add("hallufloor.output.format: " + clash);
        }
      } catch (IOException e) {
        problems.add("hallufloor.output.root: cannot read " + settings.outputRoot() + ": " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new SettingsException(problems);
    }
  }

  /** The Hadoop settings a session would get from spark.hadoop.* keys. */
  static Configuration hadoopConf(Map<String, String> spark) {
    Configuration conf = new Configuration();
    spark.forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        conf.set(k.substring("spark.hadoop.".length()), v);
      }
    });
    return conf;
  }

  /** Null when a file can be created (and removed) in {@code root}, else why not. */
  static String writable(String root, Configuration conf) {
    try {
      Path path = new Path(root);
      FileSystem fs = path.getFileSystem(conf);
      for (Path p = path; p != null; p = p.getParent()) {
        if (fs.exists(p)) {
          if (fs.getFileStatus(p).isFile()) {
            return root + " is " + (p.equals(path) ? "" : "below ") + "a regular file" + (p.equals(path) ? "" : ", " + p);
          }
          break;
        }
      }
      fs.mkdirs(path);
      Path probe = new Path(path, "_hallufloor-write-check-" + UUID.randomUUID());
      fs.create(probe, false).close();
      fs.delete(probe, false);
      return null;
    } catch (IOException | RuntimeException e) {
      return "cannot write to " + root + ": " + e.getMessage();
    }
  }
}

package org.hallufloor.bench;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.hallufloor.config.Settings;
import org.hallufloor.config.SettingsLoader;
import org.hallufloor.testing.Europarl;
import org.hallufloor.testing.TokenFileWriters;
import org.hallufloor.tokenize.TextTokenizer;
import org.hallufloor.tokenize.TokenizerSpec;
import org.hallufloor.tokenize.Tokenizers;

/**
 * One row of scripts/bench-scale.sh, in a JVM of its own: {@code DIR COPIES VALUES [key=value ...]}.
 * The Europarl sample, tokenized once with cl100k into a Megatron dataset under DIR (kept for
 * later rows), is read as COPIES datasets of their own (links, so every document id differs);
 * VALUES > 0 slices the documents by a side table into that many values (document index
 * modulo VALUES, so every value has documents). The whole exact-kernel job runs on them;
 * the line printed holds its seconds (Spark's start-up apart), tokens, slices, the heap this
 * JVM kept after collections (the driver's alone when the master is local-cluster) and the
 * shuffle written.
 */
public final class ScaleBench {
  private ScaleBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]).toAbsolutePath();
    int copies = Integer.parseInt(args[1]);
    int values = Integer.parseInt(args[2]);
    TextTokenizer tokenizer = Tokenizers.get(TokenizerSpec.of("cl100k_base"));
    Path base = dir.resolve("ids").resolve("europarl_text_document");
    if (!Files.exists(Path.of(base + ".idx"))) {
      List<int[]> ids = Europarl.docs().parallelStream().map(d -> tokenizer.encode(d.body())).toList();
      TokenFileWriters.megatron(base, ids);
    }
    int documents = Europarl.docs().size();
    Path input = dir.resolve("input-" + copies + "x");
    List<String> prefixes = new ArrayList<>();
    Files.createDirectories(input);
    for (int i = 1; i <= copies; i++) {
      Path prefix = input.resolve("copy" + i + "_text_document");
      for (String ext : List.of(".bin", ".idx")) {
        Path link = Path.of(prefix + ext);
        if (!Files.exists(link)) {
          Files.createSymbolicLink(link, Path.of(base + ext));
        }
      }
      prefixes.add("\"" + prefix + "\"");
    }
    List<String> overrides = new ArrayList<>(List.of(
        "hallufloor.input.paths=" + prefixes, "hallufloor.input.format=megatron", "hallufloor.tokenizer=cl100k_base",
        "hallufloor.context-lengths=[1, 2, 4, 8]", "hallufloor.scaling-fractions=[]", "hallufloor.report=false",
        "hallufloor.run-id=scale-" + copies + "x-" + values, "hallufloor.output.root=\"" + dir.resolve("output") + "\""));
    if (values > 0) {
      Path table = dir.resolve("side-" + copies + "x-" + values + ".csv");
      if (!Files.exists(table)) {
        try (BufferedWriter w = Files.newBufferedWriter(table, StandardCharsets.UTF_8)) {
          w.write("doc_index,bucket\n");
          for (long d = 0; d < (long) copies * documents; d++) {
            w.write(d + ",v" + (d % values) + "\n");
          }
        }
      }
      overrides.addAll(List.of("hallufloor.input.side-table.paths=[\"" + table + "\"]",
          "hallufloor.slices=[{name=bucket, field=bucket}]"));
    } else {
      overrides.add("hallufloor.slices=[]");
    }
    overrides.addAll(Arrays.asList(args).subList(3, args.length));
    Settings settings = SettingsLoader.load(null, null, overrides);

    JobBench.HeapWatch heap = JobBench.HeapWatch.start();
    String job = JobBench.job(settings);
    System.out.println(String.format(Locale.ROOT, "RESULT copies=%d values=%d %s heap_mb=%.0f", copies, values, job,
        heap.peakMb()));
    System.exit(0);
  }
}

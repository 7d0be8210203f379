package org.hallufloor.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.DoublePredicate;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.hallufloor.corpus.BadRecordPolicy;
import org.hallufloor.corpus.InputFormat;
import org.hallufloor.corpus.RawRecords;
import org.hallufloor.corpus.SliceSpec;
import org.hallufloor.corpus.SliceTransform;
import org.hallufloor.output.RunOutput;
import org.hallufloor.tokenize.TokenizerSpec;

/**
 * Loads the layers (command-line overrides over the job file over conf/application.conf over
 * reference.conf) and checks all of it before Spark starts. Every problem is collected, so a
 * user fixes a config in one round: unknown keys (with the nearest valid one), wrong types,
 * and values out of range.
 */
public final class SettingsLoader {
  static final String ROOT = "hallufloor";
  private static final Set<String> KERNELS = Set.of("exact", "suffix", "jaccard");
  private static final Set<String> SLICE_KEYS = Set.of("name", "field", "transform", "max-values");
  /**
   * Credential-like key names of every store: a part secret, password, credential or keyfile
   * anywhere (fs.s3a.secret.key, fs.gs.auth.service.account.json.keyfile, ConnectionPassword,
   * oauth2.client.secret, oauth2.credential), or a dotted component ending in key, token, sas
   * or pwd (fs.s3a.access.key, fs.s3a.encryption.key, fs.azure.account.key.ACCOUNT.blob...,
   * fs.azure.sas.CONTAINER.ACCOUNT..., session.token, refresh.token, apikey).
   */
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(secret|passw(or)?d|credential|keyfile|(^|[._-])[a-z0-9]*(key|token|sas|pwd)s?($|[._-])).*");

  private final List<String> problems = new ArrayList<>();
  private Config config;

  private SettingsLoader() {}

  /**
   * @param jobFile the job definition, or null for none
   * @param siteFile conf/application.conf, or null; a missing file is allowed (no site settings)
   * @param overrides {@code key=value} HOCON strings from the command line, later ones winning
   */
  public static Settings load(Path jobFile, Path siteFile, List<String> overrides) {
    return new SettingsLoader().loadAll(jobFile, siteFile, overrides);
  }

  private Settings loadAll(Path jobFile, Path siteFile, List<String> overrides) {
    Config merged = ConfigFactory.empty();
    for (int i = overrides.size() - 1; i >= 0; i--) {
      merged = merged.withFallback(parseOverride(overrides.get(i)));
    }
    merged = merged.withFallback(parseFile(jobFile, "job file", true));
    merged = merged.withFallback(parseFile(siteFile, "site configuration", false));
    Config reference = ConfigFactory.defaultReference();
    if (!problems.isEmpty()) {
      throw new SettingsException(problems);
    }
    try {
      config = merged.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new SettingsException(List.of(e.getMessage()));
    }
    checkUnknownKeys(config.getConfig(ROOT).root(), reference.getConfig(ROOT).root(), ROOT);
    try {
      config.checkValid(reference, ROOT);
    } catch (ConfigException.ValidationFailed e) {
      e.problems().forEach(p -> problems.add(p.path() + ": " + p.problem()));
    }
    Settings settings = read();
    if (!problems.isEmpty()) {
      throw new SettingsException(problems);
    }
    return settings;
  }

  private Config parseOverride(String arg) {
    try {
      Config c = ConfigFactory.parseString(arg, ConfigParseOptions.defaults().setOriginDescription("command line " + arg));
      if (c.isEmpty()) {
        problems.add("command line argument '" + arg + "' is not key=value");
      }
      return c;
    } catch (ConfigException e) {
      problems.add("command line argument '" + arg + "': " + e.getMessage());
      return ConfigFactory.empty();
    }
  }

  private Config parseFile(Path file, String what, boolean mustExist) {
    if (file == null) {
      return ConfigFactory.empty();
    }
    if (!Files.isRegularFile(file)) {
      if (mustExist) {
        problems.add(what + " " + file + " does not exist");
      }
      return ConfigFactory.empty();
    }
    try {
      return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      problems.add(what + " " + file + ": " + e.getMessage());
      return ConfigFactory.empty();
    }
  }

  /** Keys the reference does not have: misspellings, mostly. Lists of objects are checked where read. */
  private void checkUnknownKeys(ConfigObject actual, ConfigObject reference, String path) {
    for (Map.Entry<String, ConfigValue> e : actual.entrySet()) {
      String key = path + "." + e.getKey();
      ConfigValue ref = reference.get(e.getKey());
      if (ref == null) {
        problems.add(key + ": unknown key" + suggestion(e.getKey(), reference.keySet(), path) + " (" + e.getValue().origin().description() + ")");
      } else if (ref.valueType() == ConfigValueType.OBJECT && e.getValue().valueType() == ConfigValueType.OBJECT) {
        checkUnknownKeys((ConfigObject) e.getValue(), (ConfigObject) ref, key);
      }
    }
  }

  private static String suggestion(String key, Set<String> valid, String parent) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String v : new TreeSet<>(valid)) {
      int d = editDistance(key, v);
      if (d < bestDistance) {
        bestDistance = d;
        best = v;
      }
    }
    return best == null ? "" : "; did you mean " + parent + "." + best + "?";
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  // ---- typed reads: each catches its own failure so every problem is reported ----

  private Settings read() {
    String runId = get("run-id", config::getString);
    if (runId != null && runId.isEmpty()) {
      runId = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
    }
    if (runId != null && !runId.matches("[A-Za-z0-9._:-]+")) {
      problems.add(ROOT + ".run-id: '" + runId + "' must be letters, digits and . _ : - only (it names a folder)");
    }
    Settings.Input input = new Settings.Input(
        nonEmpty("input.paths", get("input.paths", config::getStringList)),
        oneOf("input.format", get("input.format", config::getString), InputFormat.configNames()),
        get("input.eos-id", config::getLong),
        get("input.ids-field", config::getString),
        oneOf("input.dtype", get("input.dtype", config::getString),
            Set.of("auto", "uint8", "uint16", "uint32", "int16", "int32", "int64")),
        positive("input.split-tokens", get("input.split-tokens", config::getLong)),
        nonBlank("input.text-field", get("input.text-field", config::getString)),
        get("input.id-field", config::getString),
        get("input.text-columns", config::getStringList),
        nonEmptyString("input.text-delimiter", get("input.text-delimiter", config::getString)),
        positive("input.max-document-bytes", get("input.max-document-bytes", config::getBytes)),
        (int) atLeast("input.partitions", get("input.partitions", config::getInt), 0),
        get("input.side-table.paths", config::getStringList),
        nonBlank("input.side-table.index-field", get("input.side-table.index-field", config::getString)),
        oneOf("input.side-table.format", get("input.side-table.format", config::getString),
            Set.of("auto", "parquet", "jsonl", "csv")));
    checkTextColumns(input);

    List<SliceSpec> slices = readSlices();
    if (input.format() != null && InputFormat.byName(input.format()).preTokenized()) {
      for (int i = 0; i < slices.size(); i++) {
        if (slices.get(i).field() == null || slices.get(i).field().isEmpty()) {
          problems.add(ROOT + ".slices[" + i + "] (" + slices.get(i).name() + "): reads the text, which "
              + input.format() + " input does not have; name a field");
        }
      }
      InputFormat format = InputFormat.byName(input.format());
      if (format == InputFormat.PARQUET_IDS && (input.idsField() == null || input.idsField().isBlank())) {
        problems.add(ROOT + ".input.ids-field: must name the list-of-int column for " + input.format());
      }
      if (format == InputFormat.NUMPY_TOKENS && input.eosId() < 0) {
        problems.add(ROOT + ".input.eos-id: numpy-tokens needs the id that ends each document");
      }
      if (format != InputFormat.PARQUET_IDS && input.sideTablePaths().isEmpty()) {
        for (int i = 0; i < slices.size(); i++) {
          String field = slices.get(i).field();
          if (field != null && !field.isEmpty() && !field.equals(RawRecords.FILE_FIELD)) {
            problems.add(ROOT + ".slices[" + i + "] (" + slices.get(i).name() + "): " + input.format()
                + " files carry ids only; give a side table of fields by document index ("
                + ROOT + ".input.side-table.paths), or slice by file (field = " + RawRecords.FILE_FIELD + ")");
          }
        }
        if (!input.idField().isEmpty()) {
          problems.add(ROOT + ".input.id-field: " + input.format() + " files carry ids only; the id field is read"
              + " from a side table (" + ROOT + ".input.side-table.paths)");
        }
      }
    }
    if (!input.sideTablePaths().isEmpty() && input.format() != null
        && !Set.of(InputFormat.MEGATRON, InputFormat.NUMPY_TOKENS).contains(InputFormat.byName(input.format()))) {
      problems.add(ROOT + ".input.side-table.paths: only for megatron and numpy-tokens input, whose files carry"
          + " ids only; " + input.format() + " records carry their own fields");
    }
    List<Double> scaling = each("scaling-fractions", get("scaling-fractions", config::getDoubleList),
        f -> f > 0 && f <= 1, "in (0, 1]");
    String tokenizer = get("tokenizer", config::getString);
    if (tokenizer != null && !TokenizerSpec.looksValid(tokenizer)) {
      problems.add(ROOT + ".tokenizer: '" + tokenizer + "' is neither one of " + new TreeSet<>(TokenizerSpec.BUILT_IN)
          + " nor a tokenizer.json path");
    } else if (tokenizer != null && tokenizer.endsWith(".json") && !Files.isRegularFile(Path.of(tokenizer))) {
      problems.add(ROOT + ".tokenizer: tokenizer.json " + tokenizer + " does not exist");
    }
    List<Integer> contextLengths = nonEmpty("context-lengths",
        each("context-lengths", get("context-lengths", config::getIntList), c -> c >= 1 && c <= 64, "in [1, 64]"));
    Settings.Kernel kernel = new Settings.Kernel(
        oneOf("kernel.name", get("kernel.name", config::getString), KERNELS),
        inRange("kernel.lambda", get("kernel.lambda", config::getDouble), x -> x > 0 && x <= 1, "in (0, 1]"),
        inRange("kernel.tau", get("kernel.tau", config::getDouble), x -> x > 0 && x <= 1, "in (0, 1]"),
        (int) atLeast("kernel.bands", get("kernel.bands", config::getInt), 0),
        (int) atLeast("kernel.rows", get("kernel.rows", config::getInt), 0),
        inRange("kernel.sample-rate", get("kernel.sample-rate", config::getDouble), x -> x > 0 && x <= 1, "in (0, 1]"),
        (int) atLeast("kernel.audit-queries", get("kernel.audit-queries", config::getInt), 1),
        (int) atLeast("kernel.bucket-cap", get("kernel.bucket-cap", config::getInt), 2),
        (int) inRange("kernel.lookup-max-length", get("kernel.lookup-max-length", config::getDouble),
            n -> n == Math.rint(n) && n >= 0 && n <= 10, "a whole number in [0, 10]"),
        Boolean.TRUE.equals(get("kernel.margins", config::getBoolean)));
    if ((kernel.bands() == 0) != (kernel.rows() == 0)) {
      problems.add(ROOT + ".kernel.bands, " + ROOT + ".kernel.rows: give both, or neither (0 = chosen for tau)");
    }
    // Bounded so that beta_S / T times any evidence stays a finite double (k, the softmax).
    List<Double> betaS = nonEmpty("beta-s", each("beta-s", get("beta-s", config::getDoubleList),
        SettingsLoader::scale, SCALE_RANGE));
    List<Double> temperatures = nonEmpty("temperatures",
        each("temperatures", get("temperatures", config::getDoubleList), SettingsLoader::scale, SCALE_RANGE));
    List<Double> eps0Grid = nonEmpty("eps0-grid",
        each("eps0-grid", get("eps0-grid", config::getDoubleList), x -> x > 0 && x <= 0.5, "in (0, 0.5]"));
    // Past a half, the held-out documents would outnumber the training ones the bound is about.
    double heldout = inRange("heldout-fraction", get("heldout-fraction", config::getDouble), x -> x >= 0 && x <= 0.5,
        "in [0, 0.5]");
    double sampleRate = inRange("context-sample-rate", get("context-sample-rate", config::getDouble), x -> x > 0 && x <= 1, "in (0, 1]");
    long examplesPerTask = atLeast("evidence-examples-per-task",
        get("evidence-examples-per-task", config::getLong), 1000);
    String badName = oneOf("bad-records", get("bad-records", config::getString), Set.of("fail", "skip", "quarantine"));
    BadRecordPolicy bad = badName == null ? BadRecordPolicy.FAIL : BadRecordPolicy.valueOf(badName.toUpperCase(Locale.ROOT));
    String outputRoot = nonBlank("output.root", get("output.root", config::getString));
    boolean progress = Boolean.TRUE.equals(get("progress", config::getBoolean));
    java.time.Duration every = get("progress-interval", config::getDuration);
    if (every != null && every.toMillis() < 1000) {
      problems.add(ROOT + ".progress-interval: " + every.toMillis() + " ms must be at least 1s");
    }
    long progressMillis = every == null ? 0 : every.toMillis();
    boolean report = Boolean.TRUE.equals(get("report", config::getBoolean));
    boolean fittedScale = Boolean.TRUE.equals(get("fitted-scale", config::getBoolean));
    Map<String, String> spark = sparkSettings();
    RunOutput.Destination output = readOutput(outputRoot, spark);

    return new Settings(runId, input, slices, scaling, tokenizer, contextLengths, kernel, betaS, temperatures,
        eps0Grid, heldout, sampleRate, examplesPerTask, bad, output, progress, progressMillis, report, fittedScale, spark,
        redactedJson());
  }

  private void checkTextColumns(Settings.Input input) {
    if (!input.textColumns().isEmpty() && input.textField() != null && !input.textColumns().contains(input.textField())) {
      problems.add(ROOT + ".input.text-field: '" + input.textField() + "' is not one of input.text-columns " + input.textColumns());
    }
  }

  private List<SliceSpec> readSlices() {
    List<SliceSpec> out = new ArrayList<>();
    ConfigList list = get("slices", config::getList);
    if (list == null) {
      return out;
    }
    Set<String> names = new TreeSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = ROOT + ".slices[" + i + "]";
      ConfigValue v = list.get(i);
      if (v.valueType() != ConfigValueType.OBJECT) {
        problems.add(at + ": must be an object { name, field, transform }, not " + v.valueType().name().toLowerCase(Locale.ROOT));
        continue;
      }
      Config s = ((ConfigObject) v).toConfig();
      for (String key : ((ConfigObject) v).keySet()) {
        if (!SLICE_KEYS.contains(key)) {
          problems.add(at + "." + key + ": unknown key" + suggestion(key, SLICE_KEYS, at));
        }
      }
      String transformName = s.hasPath("transform") ? s.getValue("transform").unwrapped().toString() : "none";
      SliceTransform transform = SliceTransform.byName(transformName);
      if (transform == null) {
        problems.add(at + ".transform: '" + transformName + "' is not one of " + SliceTransform.configNames());
      }
      String field = s.hasPath("field") ? s.getValue("field").unwrapped().toString() : "";
      if (field.isEmpty() && transform != SliceTransform.LANGUAGE) {
        problems.add(at + ".field: missing (only transform = language may go without a field)");
      }
      String name = s.hasPath("name") ? s.getValue("name").unwrapped().toString()
          : (field.isEmpty() ? transformName : field + (transform == SliceTransform.NONE ? "" : "_" + transformName));
      if (name.equals("all") || name.equals("scaling") || !names.add(name)) {
        problems.add(at + ".name: '" + name + "' is reserved or used twice (all and scaling are built in)");
      }
      int maxValues = 0;
      if (s.hasPath("max-values")) {
        ConfigValue m = s.getValue("max-values");
        if (m.valueType() != ConfigValueType.NUMBER || !(m.unwrapped() instanceof Integer n) || n < 1) {
          problems.add(at + ".max-values: must be a whole number >= 1 (leave it out to keep every value), not "
              + m.render());
        } else {
          maxValues = n;
        }
      }
      if (transform != null) {
        out.add(new SliceSpec(name, field, transform, maxValues));
      }
    }
    return out;
  }

  /** output.format and, for Iceberg, the catalog (which the spark keys must set up) and namespace. */
  private RunOutput.Destination readOutput(String root, Map<String, String> spark) {
    String formatName = oneOf("output.format", get("output.format", config::getString), Set.of("parquet", "iceberg"));
    RunOutput.Format format = formatName == null ? RunOutput.Format.PARQUET
        : RunOutput.Format.valueOf(formatName.toUpperCase(Locale.ROOT));
    String catalog = get("output.iceberg-catalog", config::getString);
    String namespace = get("output.iceberg-namespace", config::getString);
    if (catalog != null && !catalog.isEmpty()) {
      if (!catalog.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        problems.add(ROOT + ".output.iceberg-catalog: '" + catalog + "' is not a catalog name (letters, digits, _)");
      } else if (format == RunOutput.Format.ICEBERG && !spark.containsKey("spark.sql.catalog." + catalog)) {
        problems.add(ROOT + ".output.iceberg-catalog: no spark.sql.catalog." + catalog
            + " is set (give the catalog's class and its keys, or leave this empty for a Hadoop catalog at output.root)");
      }
    }
    if (namespace != null && !namespace.isEmpty() && !namespace.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
      problems.add(ROOT + ".output.iceberg-namespace: '" + namespace + "' is not a namespace (names of letters, digits, _ joined by dots)");
    }
    return new RunOutput.Destination(root, format, catalog == null ? "" : catalog, namespace == null ? "" : namespace);
  }

  /** Keys under spark, flattened to their dotted names, as Spark takes them. */
  private Map<String, String> sparkSettings() {
    Map<String, String> out = new LinkedHashMap<>();
    if (!config.hasPath("spark")) {
      return out;
    }
    try {
      for (Map.Entry<String, ConfigValue> e : config.getConfig("spark").entrySet()) {
        out.put("spark." + e.getKey(), String.valueOf(e.getValue().unwrapped()));
      }
    } catch (ConfigException e) {
      problems.add("spark: " + e.getMessage());
    }
    return out;
  }

  /** The resolved hallufloor and spark settings as JSON, with credential-like values replaced. */
  private String redactedJson() {
    Config visible = config.hasPath("spark") ? config.getConfig(ROOT).atPath(ROOT).withFallback(config.getConfig("spark").atPath("spark"))
        : config.getConfig(ROOT).atPath(ROOT);
    for (Map.Entry<String, ConfigValue> e : visible.entrySet()) {
      if (isSecretKey(e.getKey())) {
        visible = visible.withValue(e.getKey(), ConfigValueFactory.fromAnyRef("***redacted***"));
      }
    }
    return visible.root().render(ConfigRenderOptions.concise());
  }

  /**
   * Keys that look like credentials. hallufloor's own keys are all reference.conf's (others are
   * refused), none of them a credential: input.split-tokens is a setting, not a token.
   */
  public static boolean isSecretKey(String key) {
    return !key.startsWith(ROOT + ".") && SECRET_KEY.matcher(key).matches();
  }

  /**
   * The key's value as reference.conf, the job file and the overrides merge it (every key has its
   * default in reference.conf, and only there); null, with the problem recorded, when it is missing
   * or of the wrong type.
   */
  private <T> T get(String key, Function<String, T> reader) {
    try {
      return reader.apply(ROOT + "." + key);
    } catch (ConfigException e) {
      String message = e.getMessage();
      if (problems.stream().noneMatch(p -> p.startsWith(ROOT + "." + key + ":"))) {
        problems.add(ROOT + "." + key + ": " + message);
      }
      return null;
    }
  }

  private <T extends List<?>> T nonEmpty(String key, T list) {
    if (list != null && list.isEmpty()) {
      problems.add(ROOT + "." + key + ": must not be empty");
    }
    return list;
  }

  private String nonBlank(String key, String value) {
    if (value != null && value.isBlank()) {
      problems.add(ROOT + "." + key + ": must not be empty");
    }
    return value;
  }

  private String nonEmptyString(String key, String value) {
    if (value != null && value.isEmpty()) {
      problems.add(ROOT + "." + key + ": must not be empty");
    }
    return value;
  }

  private String oneOf(String key, String value, Set<String> allowed) {
    if (value == null) {
      return null;
    }
    String v = value.toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      problems.add(ROOT + "." + key + ": '" + value + "' is not one of " + new TreeSet<>(allowed));
      return null;
    }
    return v;
  }

  private <N extends Number> List<N> each(String key, List<N> values, DoublePredicate ok, String range) {
    if (values == null) {
      return null;
    }
    for (int i = 0; i < values.size(); i++) {
      if (!ok.test(values.get(i).doubleValue())) {
        problems.add(ROOT + "." + key + "[" + i + "]: " + values.get(i) + " must be " + range);
      }
    }
    return values;
  }

  private double inRange(String key, Double value, DoublePredicate ok, String range) {
    if (value == null) {
      return Double.NaN;
    }
    if (!ok.test(value)) {
      problems.add(ROOT + "." + key + ": " + value + " must be " + range);
    }
    return value;
  }

  private static final String SCALE_RANGE = "a finite number in [1e-6, 1e6]";

  private static boolean scale(double x) {
    return x >= 1e-6 && x <= 1e6;
  }

  private long positive(String key, Long value) {
    return atLeast(key, value, 1);
  }

  private long atLeast(String key, Number value, long min) {
    if (value == null) {
      return min;
    }
    if (value.longValue() < min) {
      problems.add(ROOT + "." + key + ": " + value + " must be >= " + min);
    }
    return value.longValue();
  }
}

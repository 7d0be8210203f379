package org.hallufloor.config;

import java.util.List;

/** Every problem found in the configuration, each naming its key; the job exits 2 on it. */
public final class SettingsException extends RuntimeException {
  private final List<String> problems;

  public SettingsException(List<String> problems) {
    super(problems.size() + " configuration problem(s):\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}

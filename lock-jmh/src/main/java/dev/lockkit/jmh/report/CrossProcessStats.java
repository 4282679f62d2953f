package dev.lockkit.jmh.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The lines {@code CrossProcessBenchmark} appends to {@code cross-process.txt}, read back: what each side
 * counted in one trial. A line is {@code CONTENDER [WORKLOAD] [here: k=v ...] rival: k=v ...}, or
 * {@code rival: no stats (...)} when the rival failed; lines from before both sides were counted have neither
 * workload nor {@code here:}. The last line per contender and workload wins (the file is appended to).
 */
final class CrossProcessStats {
  private CrossProcessStats() {}

  /** What the threads of one side counted. */
  record Side(long threads, long acquisitions, double maxWaitMs) {}

  /** One trial: this JVM's side and the rival's, each absent if not recorded. */
  record Trial(String contender, String workload, Optional<Side> here, Optional<Side> rival) {}

  /**
   * Reads the file, if it exists.
   *
   * @return by {@link #key}; empty if there is no file
   */
  static Map<String, Trial> read(Path file) throws IOException {
    Map<String, Trial> trials = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return trials;
    }
    for (String line : Files.readAllLines(file)) {
      parse(line).ifPresent(t -> {
        trials.remove(key(t.contender(), t.workload()));
        trials.put(key(t.contender(), t.workload()), t);
      });
    }
    return trials;
  }

  /** The trial of a contender in a workload ({@code CrossProcess.threads4}), else one with no workload. */
  static Optional<Trial> find(Map<String, Trial> trials, String contender, String workload) {
    Trial t = trials.get(key(contender, workload));
    return Optional.ofNullable(t != null ? t : trials.get(key(contender, "")));
  }

  static String key(String contender, String workload) {
    return contender + " " + workload;
  }

  static Optional<Trial> parse(String line) {
    String[] tokens = line.strip().split("\\s+");
    if (tokens.length < 2) {
      return Optional.empty();
    }
    String contender = tokens[0];
    int i = 1;
    String workload = "";
    if (!tokens[i].endsWith(":")) {
      workload = tokens[i++];
    }
    Optional<Side> here = Optional.empty();
    Optional<Side> rival = Optional.empty();
    while (i < tokens.length) {
      String section = tokens[i++];
      Map<String, String> values = new LinkedHashMap<>();
      while (i < tokens.length && !tokens[i].endsWith(":")) {
        int eq = tokens[i].indexOf('=');
        if (eq > 0) {
          values.put(tokens[i].substring(0, eq), tokens[i].substring(eq + 1));
        }
        i++;
      }
      Optional<Side> side = side(values);
      if (section.equals("here:")) {
        here = side;
      } else if (section.equals("rival:")) {
        rival = side;
      }
    }
    return Optional.of(new Trial(contender, workload, here, rival));
  }

  private static Optional<Side> side(Map<String, String> values) {
    try {
      if (!values.containsKey("acquisitions") || !values.containsKey("maxWaitMs")) {
        return Optional.empty();
      }
      return Optional.of(new Side(Long.parseLong(values.getOrDefault("threads", "0")),
          Long.parseLong(values.get("acquisitions")), Double.parseDouble(values.get("maxWaitMs"))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}

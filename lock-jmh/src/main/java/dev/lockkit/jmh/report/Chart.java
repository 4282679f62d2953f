package dev.lockkit.jmh.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A grouped, horizontal bar chart in plain SVG: one group per workload, one bar per contender. */
final class Chart {
  private static final String[] COLORS = {
    "#1f77b4", "#aec7e8", "#17becf", "#2ca02c", "#98df8a", "#bcbd22", "#d62728", "#ff7f0e", "#7f7f7f",
    "#9467bd", "#8c564b"
  };
  private static final int BAR = 12;
  /** Drawn at full width with its value when it exceeds the group's scale, which it does not set. */
  private static final String OFF_SCALE = "LOCKKIT_MEMORY";
  private static final int LABEL = 330;
  private static final int WIDTH = 1000;

  private Chart() {}

  static String svg(List<Report.Score> scores) {
    Set<String> contenders = new LinkedHashSet<>();
    Map<String, List<Report.Score>> groups = new LinkedHashMap<>();
    for (Report.Score s : scores) {
      contenders.add(s.contender());
      groups.computeIfAbsent(s.workload() + " (" + s.unit() + ")", w -> new ArrayList<>()).add(s);
    }
    List<String> order = new ArrayList<>(contenders);
    int legend = 20 + 16 * order.size();
    int height = legend + groups.values().stream().mapToInt(g -> g.size() * BAR + 18).sum() + 10;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
            + "font-size=\"11\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", WIDTH, height));
    for (int i = 0; i < order.size(); i++) {
      svg.append(String.format(Locale.ROOT, "<rect x=\"10\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
          + "<text x=\"25\" y=\"%d\">%s</text>%n", 8 + 16 * i, COLORS[i % COLORS.length], 17 + 16 * i, order.get(i)));
    }
    int y = legend;
    for (Map.Entry<String, List<Report.Score>> g : groups.entrySet()) {
      svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>%n", y + 11,
          escape(g.getKey())));
      y += 14;
      // the in-memory backend runs at hundreds of times the others: scaled to it, they would all be a sliver
      double groupMax = g.getValue().stream().filter(s -> !OFF_SCALE.equals(s.contender()))
          .mapToDouble(Report.Score::score).max()
          .orElseGet(() -> g.getValue().stream().mapToDouble(Report.Score::score).max().orElse(1));
      for (Report.Score s : g.getValue()) {
        boolean clipped = s.score() > groupMax;
        int w = (int) Math.max(1, (WIDTH - LABEL - 120) * Math.min(s.score(), groupMax) / groupMax);
        String color = COLORS[order.indexOf(s.contender()) % COLORS.length];
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                + "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
                + "<text x=\"%d\" y=\"%d\">%s</text>%n",
            LABEL - 6, y + BAR - 2, s.contender(), LABEL, y, w, BAR - 2, color, LABEL + w + 4, y + BAR - 2,
            Report.format(s.score()) + (clipped ? " (off scale)" : "")));
        y += BAR;
      }
      y += 4;
    }
    return svg.append("</svg>\n").toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}

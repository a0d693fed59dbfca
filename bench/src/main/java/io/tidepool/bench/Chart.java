package io.tidepool.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The end-to-end results as a chart: each contender's median throughput over pgbench's in the same run, one bar per
 * workload, pgbench's 1.0 as a line. Plain SVG written by hand (no dependency), for docs/performance.md.
 */
final class Chart {

    private static final int WIDTH = 820;
    private static final int LABEL = 230;
    private static final int RIGHT = 60;
    private static final int TOP = 92;
    private static final int BAR = 13;
    private static final int GAP = 12;
    private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759"};

    private Chart() {
    }

    /**
     * The SVG document, or null when no workload has a pgbench figure to divide by.
     *
     * @param results per workload, the summaries (pgbench's among them)
     * @param caption a line under the title: what ran, where, how long
     */
    static String svg(Map<Workload, List<Summary>> results, String caption) {
        List<Workload> workloads = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Map.Entry<Workload, List<Summary>> e : results.entrySet()) {
            if (!Double.isNaN(pgbench(e.getValue()))) {
                workloads.add(e.getKey());
                e.getValue().stream().map(Summary::contender).filter(n -> !n.equals("pgbench")).forEach(names::add);
            }
        }
        if (workloads.isEmpty()) {
            return null;
        }
        double max = 1.0;
        for (Workload w : workloads) {
            double base = pgbench(results.get(w));
            for (Summary s : results.get(w)) {
                max = Math.max(max, s.medianThroughput() / base);
            }
        }
        double step = max > 2.5 ? 0.5 : 0.25;
        double top = Math.ceil(max * 1.05 / step) * step;
        int plot = WIDTH - LABEL - RIGHT;
        int group = workloads.size() * BAR + GAP;
        List<String> captionLines = wrap(caption, 118);
        int top0 = TOP + 16 * (captionLines.size() - 1);
        int height = top0 + names.size() * group + 40;

        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        svg.append(text(12, 22, "Throughput relative to pgbench -M prepared in the same run (higher is better)",
                "font-size=\"15\" font-weight=\"bold\""));
        for (int i = 0; i < captionLines.size(); i++) {
            svg.append(text(12, 40 + 16 * i, captionLines.get(i), "fill=\"#555555\""));
        }
        int legend = 52 + 16 * (captionLines.size() - 1);
        // legend
        int x = 12;
        for (int i = 0; i < workloads.size(); i++) {
            svg.append("<rect x=\"").append(x).append("\" y=\"").append(legend)
                    .append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(COLORS[i % COLORS.length]).append("\"/>\n");
            String label = workloads.get(i).label();
            svg.append(text(x + 17, legend + 10, label, ""));
            x += 17 + label.length() * 7 + 24;
        }
        // grid and axis
        int bottom = top0 + names.size() * group;
        for (double t = 0; t <= top + 1e-9; t += step) {
            double gx = LABEL + plot * t / top;
            svg.append("<line x1=\"").append(f(gx)).append("\" y1=\"").append(top0 - 6).append("\" x2=\"").append(f(gx))
                    .append("\" y2=\"").append(bottom).append("\" stroke=\"#e3e3e3\"/>\n");
            svg.append(text(gx, bottom + 16, String.format(Locale.ROOT, "%.2f", t), "text-anchor=\"middle\" fill=\"#555555\""));
        }
        double one = LABEL + plot / top;
        svg.append("<line x1=\"").append(f(one)).append("\" y1=\"").append(top0 - 10).append("\" x2=\"").append(f(one))
                .append("\" y2=\"").append(bottom).append("\" stroke=\"#333333\" stroke-dasharray=\"4 3\"/>\n");
        svg.append(text(one + 4, top0 - 12, "pgbench = 1.00", "fill=\"#333333\""));
        // bars
        int y = top0;
        for (String name : names) {
            svg.append(text(LABEL - 8, y + group / 2.0 - 2, label(name), "text-anchor=\"end\""));
            for (int i = 0; i < workloads.size(); i++) {
                List<Summary> row = results.get(workloads.get(i));
                double base = pgbench(row);
                Summary s = row.stream().filter(r -> r.contender().equals(name)).findFirst().orElse(null);
                int by = y + i * BAR;
                if (s == null) {
                    svg.append(text(LABEL + 4, by + BAR - 3, "not run", "fill=\"#999999\""));
                    continue;
                }
                double ratio = s.medianThroughput() / base;
                double w = Math.max(1, plot * ratio / top);
                svg.append("<rect x=\"").append(LABEL).append("\" y=\"").append(by).append("\" width=\"").append(f(w))
                        .append("\" height=\"").append(BAR - 2).append("\" fill=\"").append(COLORS[i % COLORS.length])
                        .append("\"><title>").append(escape(name + ", " + workloads.get(i).label() + ": "
                                + String.format(Locale.ROOT, "%.2f of pgbench, %.0f/s", ratio, s.medianThroughput())))
                        .append("</title></rect>\n");
                svg.append(text(LABEL + w + 4, by + BAR - 3, String.format(Locale.ROOT, "%.2f", ratio), ""));
            }
            y += group;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** {@code text} in lines of at most about {@code width} characters, broken after "; ". */
    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String part : text.split("(?<=; )")) {
            if (line.length() > 0 && line.length() + part.length() > width) {
                lines.add(line.toString().trim());
                line.setLength(0);
            }
            line.append(part);
        }
        if (line.length() > 0) {
            lines.add(line.toString().trim());
        }
        return lines;
    }

    /** The contender's name on the chart: says how HikariCP's requests ran. */
    private static String label(String name) {
        if (name.equals(HikariContender.NAME)) {
            return name + (HikariContender.virtualThreadsAvailable() ? " (virtual threads)" : " (platform threads)");
        }
        return name;
    }

    private static double pgbench(List<Summary> row) {
        return row.stream().filter(s -> s.contender().equals("pgbench")).mapToDouble(Summary::medianThroughput)
                .filter(v -> v > 0).findFirst().orElse(Double.NaN);
    }

    private static String text(double x, double y, String content, String attributes) {
        return "<text x=\"" + f(x) + "\" y=\"" + f(y) + "\"" + (attributes.isEmpty() ? "" : " " + attributes) + ">"
                + escape(content) + "</text>\n";
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

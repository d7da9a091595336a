/*
 * What one execution of a plan cost, from OpenCL profiling events (device timestamps, not
 * host clocks): per-task kernel time, per-copy time in each direction, and the device that ran
 * it. Serialises to JSON for metrics files and reports.
 */
package io.tessera.gpu;

import java.util.Arrays;
import java.util.List;

/**
 * The profile of a plan's latest execution (and the on-demand copies made after it).
 *
 * @param graph     the task graph's name
 * @param runtime   "opencl"
 * @param platform  the platform's name
 * @param device    the device's name
 * @param execution 1 for the first execution, 2 for the second, ...
 * @param wallNanos host time of the execution, from the first enqueue to the queue drained
 *                  (kernel and copy times plus launch overhead and gaps)
 * @param tasks     kernel times, in launch order
 * @param copies    copies between host and device, in issue order
 */
public record Profile(String graph, String runtime, String platform, String device, int execution, long wallNanos,
                      List<TaskTime> tasks, List<CopyTime> copies) {

    public Profile {
        tasks = List.copyOf(tasks);
        copies = List.copyOf(copies);
    }

    /** One kernel launch: its label ("0:sgemm"), file, defines, grid and device time. */
    public record TaskTime(String task, String kernel, String file, String defines, long[] global, long[] local, long kernelNanos) {
    }

    /** One copy: the array, its direction ("to_device" or "to_host"), bytes, device time, and whether it was on demand. */
    public record CopyTime(String array, String direction, long bytes, long nanos, boolean onDemand) {
    }

    /** Σ kernel time, ns. */
    public long kernelNanos() {
        return tasks.stream().mapToLong(TaskTime::kernelNanos).sum();
    }

    /** Σ host-to-device copy time, ns. */
    public long copyInNanos() {
        return copies.stream().filter(c -> c.direction().equals("to_device")).mapToLong(CopyTime::nanos).sum();
    }

    /** Σ device-to-host copy time, ns. */
    public long copyOutNanos() {
        return copies.stream().filter(c -> c.direction().equals("to_host")).mapToLong(CopyTime::nanos).sum();
    }

    /** The profile as one JSON object (times in nanoseconds). */
    public String toJson() {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"graph\":").append(str(graph)).append(",\"runtime\":").append(str(runtime))
                .append(",\"platform\":").append(str(platform)).append(",\"device\":").append(str(device))
                .append(",\"execution\":").append(execution).append(",\"wall_ns\":").append(wallNanos).append(",\"kernel_ns\":").append(kernelNanos())
                .append(",\"copy_in_ns\":").append(copyInNanos()).append(",\"copy_out_ns\":").append(copyOutNanos())
                .append(",\"tasks\":[");
        for (int i = 0; i < tasks.size(); i++) {
            TaskTime t = tasks.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"task\":").append(str(t.task())).append(",\"kernel\":").append(str(t.kernel()))
                    .append(",\"file\":").append(str(t.file())).append(",\"defines\":").append(str(t.defines()))
                    .append(",\"global\":").append(Arrays.toString(t.global()).replace(" ", ""))
                    .append(",\"local\":").append(t.local() == null ? "null" : Arrays.toString(t.local()).replace(" ", ""))
                    .append(",\"kernel_ns\":").append(t.kernelNanos()).append('}');
        }
        sb.append("],\"copies\":[");
        for (int i = 0; i < copies.size(); i++) {
            CopyTime c = copies.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"array\":").append(str(c.array())).append(",\"direction\":").append(str(c.direction()))
                    .append(",\"bytes\":").append(c.bytes()).append(",\"ns\":").append(c.nanos())
                    .append(",\"on_demand\":").append(c.onDemand()).append('}');
        }
        return sb.append("]}").toString();
    }

    private static String str(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}

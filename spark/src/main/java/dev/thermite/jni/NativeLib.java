package dev.thermite.jni;

/**
 * The native library's entry points. Every method may throw
 * {@link dev.thermite.ThermiteNativeException}; none lets a native panic reach the JVM.
 */
public final class NativeLib {
  private NativeLib() {}

  /** The library's version; calling it proves the library loaded and links. */
  public static native String version();

  /**
   * The offsets from UTC, in seconds, that native expressions apply in the tz database region
   * {@code region} at each instant of {@code epochSeconds}; throws when the native tz database
   * does not know the region.
   */
  public static native int[] zoneOffsets(String region, long[] epochSeconds);

  /**
   * Decodes a serialized {@code Plan} and this task's {@code TaskInput}, takes ownership of the
   * exported Arrow C streams at {@code inputStreams} (the plan's JVM inputs, in order); native
   * memory is reserved through {@code memoryConsumer} (a {@code ThermiteMemoryConsumer}); each
   * scan reading through Hadoop reads its bytes from its entry of {@code hadoopFiles} (a
   * {@code HadoopFiles}, null for scans of local files). Returns a handle.
   */
  public static native long createExecution(
      byte[] plan, byte[] taskInput, long[] inputStreams, Object memoryConsumer, Object[] hadoopFiles);

  /**
   * Exports the next batch (a struct array) into the given C Data Interface structs.
   *
   * @return the batch's row count, or -1 when there are no more batches
   */
  public static native int nextBatch(long handle, long arrayAddress, long schemaAddress);

  /** The execution's metrics so far, a serialized {@code PlanMetrics}. */
  public static native byte[] metrics(long handle);

  /**
   * The bytes of native memory allocated and not yet freed, by all of this JVM's native work; a
   * statistic for leak checks.
   */
  public static native long allocatedBytes();

  /** Frees an execution; call once per handle. */
  public static native void close(long handle);
}

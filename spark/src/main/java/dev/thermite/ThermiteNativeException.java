package dev.thermite;

/**
 * A failure in native execution, as structured data: what kind, which Spark operator, which
 * file, and why. Thrown from native code, so its constructor signature is part of the JNI
 * contract.
 */
public class ThermiteNativeException extends RuntimeException {
  private final String kind;
  private final String operator;
  private final String file;
  private final String cause;
  private final boolean readFailure;

  public ThermiteNativeException(String kind, String operator, String file, String cause, boolean readFailure) {
    super(describe(operator, file, cause));
    this.kind = kind;
    this.operator = operator;
    this.file = file;
    this.cause = cause;
    this.readFailure = readFailure;
  }

  private static String describe(String operator, String file, String cause) {
    StringBuilder message = new StringBuilder();
    message.append(operator != null ? operator + " failed" : "Thermite native execution failed");
    if (file != null) {
      message.append(" reading ").append(file);
    }
    return message.append(": ").append(cause).toString();
  }

  /**
   * PLAN, IO, FILE_NOT_FOUND, ANCIENT_DATETIME, ANCIENT_INT96, COLUMN_TYPE_MISMATCH,
   * DUPLICATE_FIELD, EXECUTION, OUT_OF_MEMORY or PANIC.
   */
  public String kind() {
    return kind;
  }

  /** The Spark node that failed, e.g. ThermiteScanExec; null when unknown. */
  public String operator() {
    return operator;
  }

  /** The file being read, as Spark names it (its URL-encoded path); null when none. */
  public String file() {
    return file;
  }

  /** The native cause. */
  public String nativeCause() {
    return cause;
  }

  /** Whether Spark reports this failure inside its "cannot read file" error. */
  public boolean readFailure() {
    return readFailure;
  }
}

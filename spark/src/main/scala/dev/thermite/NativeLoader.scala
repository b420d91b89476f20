package dev.thermite

import java.nio.file.{Files, StandardCopyOption}
import java.util.Locale

import dev.thermite.jni.NativeLib
import org.apache.spark.internal.Logging

/**
 * Loads the native library bundled in the jar (or the one `THERMITE_NATIVE_LIB` names) once per
 * JVM. When it cannot, it says why once and Thermite stays out of the way.
 */
object NativeLoader extends Logging {
  private lazy val outcome: Either[String, String] = load()

  /** The library's version if it loaded, or why it did not. */
  def status: Either[String, String] = outcome

  def available: Boolean = outcome.isRight

  def platform: String = {
    val os = System.getProperty("os.name").toLowerCase(Locale.ROOT) match {
      case n if n.startsWith("linux") => "linux"
      case n if n.startsWith("mac") => "darwin"
      case n => n.replaceAll("\\W", "")
    }
    val arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT) match {
      case "amd64" | "x86_64" => "x86_64"
      case "aarch64" | "arm64" => "aarch64"
      case a => a
    }
    s"$os-$arch"
  }

  private def load(): Either[String, String] = {
    val result =
      try {
        sys.env.get("THERMITE_NATIVE_LIB").orElse(sys.props.get("thermite.native.lib")) match {
          case Some(path) => System.load(path)
          case None => extractAndLoad()
        }
        Right(NativeLib.version())
      } catch {
        case e: Throwable => Left(s"${e.getClass.getSimpleName}: ${e.getMessage}")
      }
    result match {
      case Right(version) => logInfo(s"Thermite native library $version loaded for $platform")
      case Left(why) =>
        logWarning(s"Thermite is disabled: its native library could not be loaded ($why). " +
          "Spark runs unchanged.")
    }
    result
  }

  private def extractAndLoad(): Unit = {
    val name = System.mapLibraryName("thermite")
    val resource = s"/dev/thermite/native/$platform/$name"
    val in = getClass.getResourceAsStream(resource)
    if (in == null) {
      throw new UnsatisfiedLinkError(s"the jar has no native library for $platform ($resource)")
    }
    val file = Files.createTempFile("thermite-", "-" + name)
    try Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING)
    finally in.close()
    file.toFile.deleteOnExit()
    System.load(file.toString)
  }
}

package dev.thermite.exec

import java.io.Closeable
import java.net.URI

import scala.collection.mutable

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.{FSDataInputStream, Path}

/**
 * One task's files of one scan, read through Spark's Hadoop `FileSystem` with the job's
 * configuration: native code asks for byte ranges by URI (`read`), so whatever Spark can open
 * (S3A, HDFS, ABFS, GCS, a vendor's scheme) a native scan reads. Each file is opened once;
 * the task's end closes them.
 */
class HadoopFiles(conf: Configuration) extends Closeable {
  private val open = mutable.HashMap.empty[String, FSDataInputStream]

  /** `length` bytes of the file at `uri` (URL-encoded, as Spark names it) from `position`. */
  def read(uri: String, position: Long, length: Int): Array[Byte] = synchronized {
    val in = open.getOrElseUpdate(uri, {
      val path = new Path(new URI(uri))
      path.getFileSystem(conf).open(path)
    })
    val bytes = new Array[Byte](length)
    in.readFully(position, bytes)
    bytes
  }

  override def close(): Unit = synchronized {
    open.values.foreach(_.close())
    open.clear()
  }
}

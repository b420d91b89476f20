//! A task's Hadoop file system as an object store: byte ranges read by Spark's own Hadoop
//! `FileSystem` (through the task's `dev.thermite.exec.HadoopFiles`), with the job's
//! configuration and credentials, so the native scan reads whatever Spark can open (S3A, HDFS,
//! ABFS, GCS, a vendor's scheme) and decodes it natively. Only reads are supported: scans know
//! each file's size from Spark, and nothing native lists or writes.

use std::fmt;
use std::ops::Range;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use jni::objects::{GlobalRef, JByteArray, JObject, JValue};
use jni::{JNIEnv, JavaVM};
use object_store::path::Path;
use object_store::{
    GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions,
    PutPayload, PutResult,
};

const STORE: &str = "Hadoop";

pub struct HadoopFiles {
    jvm: JavaVM,
    /// The task's `dev.thermite.exec.HadoopFiles`.
    files: GlobalRef,
}

impl HadoopFiles {
    pub fn new(jvm: JavaVM, files: GlobalRef) -> Self {
        Self { jvm, files }
    }

    /// The file's URI, as the scan wrote it into `location` (one part, percent-encoded).
    fn uri(location: &Path) -> String {
        let encoded = location.as_ref();
        percent_encoding::percent_decode_str(encoded).decode_utf8_lossy().into_owned()
    }

    /// `range` of the file at `location`, read on this thread (a Spark task's, or attached).
    fn read(&self, location: &Path, range: Range<u64>) -> object_store::Result<Bytes> {
        let uri = Self::uri(location);
        let length = i32::try_from(range.end.saturating_sub(range.start)).map_err(|_| object_store::Error::Generic {
            store: STORE,
            source: format!("a read of {} bytes of {uri} is larger than a Java array", range.end - range.start).into(),
        })?;
        let mut env = self.jvm.attach_current_thread_permanently().map_err(|e| generic(&uri, e))?;
        let result = (|| {
            let juri = JObject::from(env.new_string(&uri)?);
            let bytes = env.call_method(
                self.files.as_obj(),
                "read",
                "(Ljava/lang/String;JI)[B",
                &[JValue::Object(&juri), JValue::Long(range.start as i64), JValue::Int(length)],
            )?;
            let array = JByteArray::from(bytes.l()?);
            env.convert_byte_array(&array)
        })();
        match result {
            Ok(bytes) => Ok(Bytes::from(bytes)),
            Err(jni::errors::Error::JavaException) => Err(java_failure(&mut env, uri)),
            Err(e) => Err(generic(&uri, e)),
        }
    }
}

/// The pending Java exception as a store error: a missing file is `NotFound` (Spark's
/// `ignoreMissingFiles` tells it apart), anything else keeps Java's class and message.
fn java_failure(env: &mut JNIEnv, uri: String) -> object_store::Error {
    let described = (|| -> jni::errors::Result<(bool, String)> {
        let throwable = env.exception_occurred()?;
        env.exception_clear()?;
        let missing = env.is_instance_of(&throwable, "java/io/FileNotFoundException")?;
        let text = env.call_method(&throwable, "toString", "()Ljava/lang/String;", &[])?.l()?;
        let text: String = env.get_string(&text.into())?.into();
        Ok((missing, text))
    })();
    let _ = env.exception_clear();
    match described {
        Ok((true, text)) => object_store::Error::NotFound { path: uri, source: text.into() },
        Ok((false, text)) => object_store::Error::Generic { store: STORE, source: format!("reading {uri}: {text}").into() },
        Err(e) => generic(&uri, e),
    }
}

fn generic(uri: &str, e: jni::errors::Error) -> object_store::Error {
    object_store::Error::Generic { store: STORE, source: format!("reading {uri}: JNI: {e}").into() }
}

fn not_supported(what: &str) -> object_store::Error {
    object_store::Error::NotSupported { source: format!("a Hadoop file system is only read by byte ranges, not {what}").into() }
}

impl fmt::Debug for HadoopFiles {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "HadoopFiles")
    }
}

impl fmt::Display for HadoopFiles {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "HadoopFiles")
    }
}

// `get_ranges` keeps its default, which merges nearby ranges into one read: each read through S3A
// is a request (a column chunk apiece otherwise).
#[async_trait]
impl ObjectStore for HadoopFiles {
    async fn get_range(&self, location: &Path, range: Range<u64>) -> object_store::Result<Bytes> {
        self.read(location, range)
    }

    async fn get_opts(&self, _location: &Path, _options: GetOptions) -> object_store::Result<GetResult> {
        Err(not_supported("whole objects"))
    }

    async fn head(&self, _location: &Path) -> object_store::Result<ObjectMeta> {
        Err(not_supported("their metadata"))
    }

    async fn put_opts(&self, _: &Path, _: PutPayload, _: PutOptions) -> object_store::Result<PutResult> {
        Err(not_supported("writes"))
    }

    async fn put_multipart_opts(&self, _: &Path, _: PutMultipartOptions) -> object_store::Result<Box<dyn MultipartUpload>> {
        Err(not_supported("writes"))
    }

    async fn delete(&self, _: &Path) -> object_store::Result<()> {
        Err(not_supported("deletes"))
    }

    fn list(&self, _: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        futures::stream::once(async { Err(not_supported("listings")) }).boxed()
    }

    async fn list_with_delimiter(&self, _: Option<&Path>) -> object_store::Result<ListResult> {
        Err(not_supported("listings"))
    }

    async fn copy(&self, _: &Path, _: &Path) -> object_store::Result<()> {
        Err(not_supported("copies"))
    }

    async fn copy_if_not_exists(&self, _: &Path, _: &Path) -> object_store::Result<()> {
        Err(not_supported("copies"))
    }
}

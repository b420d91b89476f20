package dev.thermite

import java.lang.reflect.Method

/**
 * Calls into table formats' classes (Delta's, Iceberg's) that the plugin does not compile
 * against, so neither need be on its class path. Their classes are often not public (Iceberg's
 * scan and partition classes are package-private), so methods are made accessible.
 */
object Reflect {
  /** `target.method(args)`, found by name and argument count in its class or a superclass. */
  def call(target: AnyRef, method: String, args: AnyRef*): AnyRef = {
    val found = Iterator.iterate[Class[_]](target.getClass)(_.getSuperclass).takeWhile(_ != null)
      .flatMap(c => c.getDeclaredMethods.iterator ++ c.getMethods.iterator)
      .find(m => m.getName == method && m.getParameterCount == args.length)
      .getOrElse(throw new IllegalStateException(s"${target.getClass.getName} has no method $method"))
    invoke(found, target, args)
  }

  /** The loaded object `name` (a Scala object's `MODULE$`), from the task's class loader. */
  def module(name: String): AnyRef = Class.forName(name + "$", true, loader).getField("MODULE$").get(null)

  def loader: ClassLoader = Option(Thread.currentThread().getContextClassLoader).getOrElse(getClass.getClassLoader)

  private def invoke(method: Method, target: AnyRef, args: Seq[AnyRef]): AnyRef = {
    method.setAccessible(true)
    try method.invoke(target, args: _*)
    catch { case e: java.lang.reflect.InvocationTargetException if e.getCause != null => throw e.getCause }
  }
}

// Performance marks for the benchmark (User Timing API). A mark carries
// only its name, never secret data; older marks of the same name are
// cleared first, so the latest one is the only one.

export function mark(name) {
  performance.clearMarks(name);
  performance.mark(name);
}

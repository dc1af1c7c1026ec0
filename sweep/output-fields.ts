/**
 * Which resource fields name a file GMAT writes (or a script GMAT runs), so that no override
 * and no mission-sequence assignment can point GMAT's output outside the run directory.
 *
 * Sandbox-safe: no Node builtins. A pure function of the resource type and the field path,
 * so it holds for nested keys too (`FM.GravityField.Earth.PotentialFile` has the field path
 * `["GravityField", "Earth", "PotentialFile"]`; only its last segment is the field).
 *
 * What real GMAT R2026a does (checked with GmatConsole, see docs/security.md):
 *  - field names are case-sensitive (`Track.filename` is a parse error), but EphemerisFile
 *    still accepts the deprecated `FileName` spelling with a warning and writes to it;
 *  - an assignment to `Filename` inside the mission sequence is accepted and retargets the
 *    file at run time; `Create` after BeginMissionSequence is a parse error;
 *  - solvers (DifferentialCorrector, optimizers) write their `ReportFile` wherever it points.
 * Field names are compared case-insensitively anyway: refusing a spelling GMAT would reject
 * costs nothing, and a plugin or a future GMAT may be more lenient.
 */

/** Fields that name an output file (or a GMAT function file, which GMAT executes) on any resource type. */
const OUTPUT_FIELDS_ANY_TYPE: ReadonlySet<string> = new Set([
  'filename', // ReportFile, EphemerisFile (and its deprecated FileName), ContactLocator, EclipseLocator, TrackingFileSet
  'fullpathfilename', // ReportFile, EphemerisFile
  'reportfile', // DifferentialCorrector, optimizers, estimators
  'matlabfile', // estimators
  'functionpath', // GmatFunction / external optimizers: a file GMAT runs
  'appendtoexistingfile', // ReportFile: an override could make runs append to each other's files
]);

/**
 * Resource types that write files. On these, every field whose name mentions a file, a path
 * or a directory is treated as an output path, whatever GMAT calls it now or later.
 */
const WRITING_TYPES: ReadonlySet<string> = new Set(
  [
    'ReportFile',
    'EphemerisFile',
    'ContactLocator',
    'EclipseLocator',
    'DifferentialCorrector',
    'Broyden',
    'FminconOptimizer',
    'Yukon',
    'SNOPT',
    'VF13ad',
    'BatchEstimator',
    'ExtendedKalmanFilter',
    'SequentialEstimator',
    'Smoother',
    'Simulator',
    'TrackingFileSet',
  ].map((t) => t.toLowerCase()),
);

const FILE_LIKE = /file|path|director/i;

/**
 * Why setting `fieldPath` on a resource of `resourceType` would choose where GMAT writes
 * (or what it runs), or null when it does not. `resourceType` is the script's `Create` type
 * (undefined when unknown, e.g. for an owned object deep in a nested path).
 */
export function outputPathFieldReason(resourceType: string | undefined, fieldPath: readonly string[]): string | null {
  const field = fieldPath[fieldPath.length - 1];
  if (field === undefined) return null;
  const lower = field.toLowerCase();
  const type = resourceType ?? 'resource';
  if (OUTPUT_FIELDS_ANY_TYPE.has(lower)) {
    return lower === 'functionpath'
      ? `"${field}" of a ${type} names a file GMAT executes`
      : `"${field}" of a ${type} chooses where GMAT writes a file`;
  }
  if (resourceType && WRITING_TYPES.has(resourceType.toLowerCase()) && FILE_LIKE.test(field)) {
    return `"${field}" of a ${type} (a resource that writes files) names a file or directory`;
  }
  return null;
}

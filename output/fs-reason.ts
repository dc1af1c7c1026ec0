/** How the CLI and the checks on a directory out word a file system's refusal. */

/** A file system's refusal in words (the errno code follows in parentheses). */
export function fsReason(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'it is on a read-only file system';
    case 'ENOSPC':
      return 'the file system is full';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ELOOP':
      return 'it leads through too many symbolic links';
    case 'EEXIST':
      return 'something else already exists there';
    default:
      return 'the file system refused';
  }
}

/** Shared by the tests: the project's paths and the course's files where ../shared exists. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** build/test -> the project root. */
export const projectRoot = path.resolve(__dirname, '..', '..');
export const courseFontDir = path.resolve(projectRoot, '..', 'shared', 'datasets', 'course-font');
export const courseFontPath = path.join(courseFontDir, 'font.h');
/** A skip reason when the course's files are absent, else false. */
export const skipWithoutCourseFont: string | false = fs.existsSync(courseFontPath)
  ? false
  : `../shared/datasets/course-font is absent (${courseFontDir}): course-font tests skipped`;

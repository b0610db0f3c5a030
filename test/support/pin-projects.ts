/**
 * Projects whose pins have fixes, served by the local index to the pin-fix tests of the language
 * server and of the CLI alike: a yanked release, a vulnerable one fixed in two steps, one with a fix
 * missing, one whose first fixed release is vulnerable itself (only the JSON API says so), a pin the
 * index lacks, and names a fix may move to.
 */
import { makeProject } from './index-catalog.js';
import type { IndexServer } from './index-server.js';

/** A vulnerability as PyPI's JSON API lists it (OSV's `fixed_in`: the first fixed release of each line). */
export function vulnerability(id: string, fixedIn: string[]) {
  return {
    aliases: [],
    details: `${id} details`,
    fixed_in: fixedIn,
    id,
    link: `https://osv.dev/vulnerability/${id}`,
    source: 'osv',
    summary: null,
    withdrawn: null,
  };
}

export function definePinProjects(index: IndexServer): void {
  index.setProject('yankpin', makeProject({ name: 'yankpin', versions: ['1.0.0', '1.0.1', '1.1.0'], yanked: { '1.0.1': 'broken wheel' } }));
  index.setProject(
    'vulnpin',
    makeProject({
      name: 'vulnpin',
      versions: ['2.0.0', '2.1.0', '2.2.0'],
      vulnerabilities: { '2.0.0': [vulnerability('PYSEC-1', ['2.1.0']), vulnerability('GHSA-2', ['2.2.0'])] },
    }),
  );
  index.setProject(
    'openpin',
    makeProject({
      name: 'openpin',
      versions: ['3.0.0', '3.1.0'],
      vulnerabilities: { '3.0.0': [vulnerability('PYSEC-3', ['3.1.0']), vulnerability('PYSEC-4', [])] },
    }),
  );
  // 4.1.0 fixes PYSEC-5, but the JSON API lists one of its own for it: only asking about it shows that.
  index.setProject(
    'hoppin',
    makeProject({
      name: 'hoppin',
      versions: ['4.0.0', '4.1.0', '4.2.0'],
      vulnerabilities: { '4.0.0': [vulnerability('PYSEC-5', ['4.1.0'])], '4.1.0': [vulnerability('PYSEC-6', ['4.2.0'])] },
    }),
  );
  index.setProject('missingpin', makeProject({ name: 'missingpin', versions: ['1.0', '2.0'] }));
  index.setProject('steady', makeProject({ name: 'steady', versions: ['1.0.0'] }));
  index.setProject('requests', makeProject({ name: 'requests' }));
  index.setProject('pillow', makeProject({ name: 'pillow' }));
}

import { describe, expect, it } from 'vitest';
import {
  departmentAfterMove,
  folderCascade,
  initialDepartment,
  makeScope,
  reassignRefusal,
  subtreeIds,
  wouldCycle,
} from '../../src/modules/departments/department-rules.js';

// The org chart reconstructed from the seed's three cases (ADR 0023): 总公司 → 市场部 → 市场一组, 总公司 → 销售部 → 销售一组.
const tree = [
  { id: 'hq', parentId: null },
  { id: 'marketing', parentId: 'hq' },
  { id: 'marketing1', parentId: 'marketing' },
  { id: 'sales', parentId: 'hq' },
  { id: 'sales1', parentId: 'sales' },
];

describe('department rules (pure decisions of seed §1.11.4.5.5)', () => {
  it('takes a department and everything below it, parents first, and never a parent', () => {
    expect(subtreeIds(tree, 'hq')).toEqual(['hq', 'marketing', 'sales', 'marketing1', 'sales1']);
    expect(subtreeIds(tree, 'marketing')).toEqual(['marketing', 'marketing1']);
    expect(subtreeIds(tree, 'sales1')).toEqual(['sales1']);
  });

  it('stops on a parent loop instead of running forever', () => {
    const looped = [
      { id: 'a', parentId: 'b' },
      { id: 'b', parentId: 'a' },
    ];
    expect(subtreeIds(looped, 'a')).toEqual(['a', 'b']);
  });

  it('sees a cycle when a department would go under itself or below itself, not elsewhere', () => {
    expect(wouldCycle(tree, 'marketing', 'marketing')).toBe(true);
    expect(wouldCycle(tree, 'marketing', 'marketing1')).toBe(true);
    expect(wouldCycle(tree, 'hq', 'sales1')).toBe(true);
    expect(wouldCycle(tree, 'marketing', 'sales1')).toBe(false);
    expect(wouldCycle(tree, 'marketing1', null)).toBe(false);
  });

  it('shows objects without a department to everyone and others to their department and the ones above', () => {
    const marketing = makeScope(false, subtreeIds(tree, 'marketing'));
    expect(marketing.sees(null)).toBe(true);
    expect(marketing.sees('marketing')).toBe(true);
    expect(marketing.sees('marketing1')).toBe(true);
    expect(marketing.sees('hq')).toBe(false);
    expect(marketing.sees('sales')).toBe(false);
    const nobody = makeScope(false, []);
    expect(nobody.sees(null)).toBe(true);
    expect(nobody.sees('hq')).toBe(false);
    expect(makeScope(true).sees('sales1')).toBe(true);
  });

  it('gives a new object its folder’s department, else the creator’s, and none while 组织架构 is off', () => {
    expect(initialDepartment({ containerDepartmentId: 'sales', creatorDepartmentId: 'marketing', orgEnabled: true })).toBe(
      'sales',
    );
    expect(initialDepartment({ containerDepartmentId: null, creatorDepartmentId: 'marketing', orgEnabled: true })).toBe(
      'marketing',
    );
    expect(initialDepartment({ containerDepartmentId: undefined, creatorDepartmentId: null, orgEnabled: true })).toBeNull();
    expect(initialDepartment({ containerDepartmentId: null, creatorDepartmentId: 'marketing', orgEnabled: false })).toBeNull();
    // A folder's department still passes on while the switch is off: a folder and its contents never disagree.
    expect(initialDepartment({ containerDepartmentId: 'sales', creatorDepartmentId: null, orgEnabled: false })).toBe('sales');
  });

  it('refuses a change of department in the seed’s order: switch, folder, own department or below', () => {
    const marketing = makeScope(false, subtreeIds(tree, 'marketing'));
    const base = {
      orgEnabled: true,
      isFolder: false,
      containerDepartmentId: null,
      targetDepartmentId: 'marketing1',
      assignable: marketing,
    };
    expect(reassignRefusal(base)).toBeNull();
    expect(reassignRefusal({ ...base, orgEnabled: false })).toBe('department_org_disabled');
    expect(reassignRefusal({ ...base, containerDepartmentId: 'sales' })).toBe('department_set_by_folder');
    expect(reassignRefusal({ ...base, isFolder: true, containerDepartmentId: 'sales' })).toBe('department_set_by_parent_folder');
    expect(reassignRefusal({ ...base, targetDepartmentId: 'hq' })).toBe('department_outside_own');
    expect(reassignRefusal({ ...base, targetDepartmentId: 'sales1' })).toBe('department_outside_own');
    expect(reassignRefusal({ ...base, targetDepartmentId: 'sales1', assignable: makeScope(true) })).toBeNull();
    expect(reassignRefusal({ ...base, assignable: makeScope(false, []) })).toBe('department_outside_own');
  });

  it('moves into a folder with a department take it; into one without (or none) keep their own', () => {
    expect(departmentAfterMove({ objectDepartmentId: 'marketing', targetFolderDepartmentId: 'sales' })).toBe('sales');
    expect(departmentAfterMove({ objectDepartmentId: null, targetFolderDepartmentId: 'sales' })).toBe('sales');
    expect(departmentAfterMove({ objectDepartmentId: 'marketing', targetFolderDepartmentId: null })).toBe('marketing');
    expect(departmentAfterMove({ objectDepartmentId: null, targetFolderDepartmentId: undefined })).toBeNull();
  });

  it('cascades a folder’s department to every folder below it and only those', () => {
    const folders = [
      { id: '1', parentId: null },
      { id: '1.1', parentId: '1' },
      { id: '1.1.1', parentId: '1.1' },
      { id: '1.2', parentId: '1' },
      { id: '2', parentId: null },
    ];
    expect(folderCascade(folders, '1', 'sales')).toEqual({ departmentId: 'sales', folderIds: ['1', '1.1', '1.2', '1.1.1'] });
    expect(folderCascade(folders, '1.1', 'marketing')).toEqual({ departmentId: 'marketing', folderIds: ['1.1', '1.1.1'] });
  });
});

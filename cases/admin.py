"""Case models are deliberately NOT registered in the Django admin.

Why: every read of case content must go through the permission policy (visible(), field-level
redaction by case_level()/person_fields()) *and* be written to the access log; the admin does
neither, and Django admin permissions are model-wide, not per office or per share. Office
administrators have no case content at all, and supervisors work cases in the caseworker pages.
So /admin/cases/... is a 404 for every user, including superusers; operators use the
management commands. tests/permissions/test_admin.py holds this in place.
"""

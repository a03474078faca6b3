"""`make bench`: load-test the site with wrk next to reference apps measured in the same run.

``bench.reference`` holds the reference apps (the ceilings of this stack), ``bench.wrk`` drives the
wrk binary and reads its results, ``bench/lua`` holds the wrk scripts.
"""

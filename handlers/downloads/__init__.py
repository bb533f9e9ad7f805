"""Spotizerr's downloads: starting track and collection downloads (durable jobs whose payloads
are typed in workers.payloads), the children of a collection job, the tasks a user sees, each
track's payload (sources and file names), download and watch settings, service credentials,
and watch lists with their checks and M3U files.
"""

"""GraphQL types of the CMS: course reviews, …"""

from flask import Blueprint

blueprint = Blueprint("exams", __name__)
